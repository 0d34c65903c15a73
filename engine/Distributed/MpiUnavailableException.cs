namespace CoroNetGAN;

/// <summary>MPI is absent or not one this engine can use; the message says what to install or set.</summary>
public sealed class MpiUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
