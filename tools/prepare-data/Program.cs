using CoroNetGAN.PrepareData;

// Regenerates data/openmoji-pairs and data/emoji-unpaired from the pinned npm packages (see README.md).
return Tool.Run(args);
