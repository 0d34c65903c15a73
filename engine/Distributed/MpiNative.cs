using System.Runtime.InteropServices;

namespace CoroNetGAN.Engine.Distributed;

/// <summary>
/// The few MPI functions data-parallel training uses, bound at run time to the system's MPI library, so that nothing
/// loads MPI unless a distributed run asks for it (a single-process run works without MPI installed).
/// </summary>
/// <remarks>
/// OpenMPI (4.x, <c>libmpi.so.40</c>) only. Its handles (<c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>, ...)
/// are the addresses of exported globals (<c>ompi_mpi_comm_world</c>, ...) and <c>MPI_IN_PLACE</c> is <c>(void*)1</c>.
/// Another MPI needs its own values: MPICH, Intel MPI and MVAPICH (<c>libmpi.so.12</c>) use 32-bit integer handles
/// (MPI_COMM_WORLD 0x44000000, MPI_FLOAT 0x4c00040a, MPI_BYTE 0x4c00010d, MPI_SUM 0x58000003) and MPI_IN_PLACE
/// <c>(void*)-1</c>; the function signatures are the same, so supporting one means a second set of these constants
/// (and a test against it). MPI.NET is not used: its NuGet build targets Microsoft MPI's handles and crashes on OpenMPI.
/// Function pointers from <see cref="NativeLibrary.GetExport"/> rather than DllImport, so the library can be named at
/// run time (<c>CORONETGAN_MPI_LIBRARY</c>) and a missing one is one clear error, not a DllNotFoundException mid-run.
/// </remarks>
internal static unsafe class MpiNative
{
    const int Success = 0;
    /// <summary>MPI_THREAD_FUNNELED: only the training thread calls MPI (the watchdog only ever calls MPI_Abort).</summary>
    const int ThreadFunneled = 1;

    static readonly object s_gate = new();
    static nint s_lib;
    static delegate* unmanaged<int*, byte***, int, int*, int> s_initThread;
    static delegate* unmanaged<int*, int> s_initialized;
    static delegate* unmanaged<int*, int> s_finalized;
    static delegate* unmanaged<int> s_finalize;
    static delegate* unmanaged<nint, int*, int> s_commRank;
    static delegate* unmanaged<nint, int*, int> s_commSize;
    static delegate* unmanaged<void*, void*, int, nint, nint, nint, int> s_allreduce;
    static delegate* unmanaged<void*, int, nint, int, nint, int> s_bcast;
    static delegate* unmanaged<nint, int> s_barrier;
    static delegate* unmanaged<nint, int, int> s_abort;
    static nint s_commWorld, s_float, s_byte, s_sum;
    static readonly void* InPlace = (void*)1;

    /// <summary>The library that was loaded (a name or path).</summary>
    internal static string? LibraryName { get; private set; }

    /// <summary>Loads the MPI library and resolves every function and handle; idempotent.</summary>
    /// <exception cref="MpiUnavailableException">No usable MPI library; the message says how to install one.</exception>
    internal static void Load()
    {
        lock (s_gate)
        {
            if (s_lib != 0) return;
            string? chosen = Environment.GetEnvironmentVariable("CORONETGAN_MPI_LIBRARY");
            string[] names = string.IsNullOrWhiteSpace(chosen) ? ["libmpi.so.40", "libmpi.so"] : [chosen];
            nint lib = 0;
            string? loaded = null;
            foreach (var name in names)
                if (NativeLibrary.TryLoad(name, out lib)) { loaded = name; break; }
            if (lib == 0)
                throw new MpiUnavailableException(
                    $"Distributed training needs MPI, but the OpenMPI library ({string.Join(" or ", names)}) could not be loaded. Install OpenMPI " +
                    "(Debian/Ubuntu: apt-get install openmpi-bin; Fedora/RHEL: dnf install openmpi) or set CORONETGAN_MPI_LIBRARY to its " +
                    "libmpi.so, then start one process per rank under mpirun -np N.");
            if (!NativeLibrary.TryGetExport(lib, "ompi_mpi_comm_world", out s_commWorld))
            {
                NativeLibrary.Free(lib);
                throw new MpiUnavailableException(
                    $"{loaded} is not OpenMPI (it exports no ompi_mpi_comm_world): only OpenMPI 4.x is supported so far; MPICH-family " +
                    "libraries use integer handles this binding does not define (see README, \"Distributed training\").");
            }
            try
            {
                s_float = NativeLibrary.GetExport(lib, "ompi_mpi_float");
                s_byte = NativeLibrary.GetExport(lib, "ompi_mpi_byte");
                s_sum = NativeLibrary.GetExport(lib, "ompi_mpi_op_sum");
                s_initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)NativeLibrary.GetExport(lib, "MPI_Init_thread");
                s_initialized = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(lib, "MPI_Initialized");
                s_finalized = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(lib, "MPI_Finalized");
                s_finalize = (delegate* unmanaged<int>)NativeLibrary.GetExport(lib, "MPI_Finalize");
                s_commRank = (delegate* unmanaged<nint, int*, int>)NativeLibrary.GetExport(lib, "MPI_Comm_rank");
                s_commSize = (delegate* unmanaged<nint, int*, int>)NativeLibrary.GetExport(lib, "MPI_Comm_size");
                s_allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)NativeLibrary.GetExport(lib, "MPI_Allreduce");
                s_bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)NativeLibrary.GetExport(lib, "MPI_Bcast");
                s_barrier = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(lib, "MPI_Barrier");
                s_abort = (delegate* unmanaged<nint, int, int>)NativeLibrary.GetExport(lib, "MPI_Abort");
            }
            catch (EntryPointNotFoundException e)
            {
                NativeLibrary.Free(lib);
                throw new MpiUnavailableException($"{loaded} lacks an MPI function or handle this engine needs: {e.Message}", e);
            }
            s_lib = lib;
            LibraryName = loaded;
        }
    }

    internal static bool Initialized()
    {
        int flag;
        Check(s_initialized(&flag), "MPI_Initialized");
        return flag != 0;
    }

    internal static bool Finalized()
    {
        int flag;
        Check(s_finalized(&flag), "MPI_Finalized");
        return flag != 0;
    }

    internal static void Init()
    {
        int provided;
        Check(s_initThread(null, null, ThreadFunneled, &provided), "MPI_Init_thread");
    }

    internal static void Shutdown() => Check(s_finalize(), "MPI_Finalize");

    internal static int Rank()
    {
        int r;
        Check(s_commRank(s_commWorld, &r), "MPI_Comm_rank");
        return r;
    }

    internal static int Size()
    {
        int n;
        Check(s_commSize(s_commWorld, &n), "MPI_Comm_size");
        return n;
    }

    /// <summary>In-place float sum over MPI_COMM_WORLD; <paramref name="count"/> fits an int by the caller's chunking.</summary>
    internal static void AllreduceSum(float* values, int count) =>
        Check(s_allreduce(InPlace, values, count, s_float, s_sum, s_commWorld), "MPI_Allreduce");

    internal static void Bcast(byte* data, int count, int root) =>
        Check(s_bcast(data, count, s_byte, root, s_commWorld), "MPI_Bcast");

    internal static void Barrier() => Check(s_barrier(s_commWorld), "MPI_Barrier");

    /// <summary>Ends every rank of the job (mpirun reports the code); does not return on a working MPI.</summary>
    internal static void Abort(int code) => s_abort(s_commWorld, code);

    static void Check(int rc, string call)
    {
        // OpenMPI's default error handler aborts the job before returning an error; this only fires under a
        // user-set MPI_ERRORS_RETURN, where carrying on with half-reduced gradients would be wrong.
        if (rc != Success) throw new InvalidOperationException($"{call} failed with MPI error {rc}.");
    }
}
