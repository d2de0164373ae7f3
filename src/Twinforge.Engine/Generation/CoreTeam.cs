using System.Diagnostics;

namespace Twinforge.Engine.Generation;

/// <summary>
/// The calling thread and one worker per further core, splitting one piece of work between them and meeting at its
/// end (fork–join), with the wait between pieces spent spinning for a short while before sleeping. Owned by one
/// <see cref="InferenceSession"/>; one caller at a time.
/// </summary>
/// <remarks>
/// Why not <see cref="Parallel.For(int, int, Action{int})"/>: a decoding step of GPT-2 124M is ~100 pieces of 10–100 µs
/// (a layer's products and attention), and the thread pool's workers go to sleep between them, so waking them cost
/// about as much as the piece (measured: both cores read a layer's weights no faster than one). llama.cpp's thread
/// pool spins for the same reason. Workers spin for <see cref="SpinTime"/> after a piece, then sleep, so an idle
/// session does not keep a core busy.
/// </remarks>
internal sealed class CoreTeam : IDisposable
{
    /// <summary>How long a worker spins for the next piece before sleeping: longer than the gaps inside a decoding step.</summary>
    static readonly TimeSpan SpinTime = TimeSpan.FromMilliseconds(1);

    readonly Thread[] workers;
    readonly SemaphoreSlim[] wakeUps;
    readonly int[] sleeping;
    Action<int, int>? work;
    long generation;
    int pending;
    volatile bool disposed;
    Exception? failure;

    /// <param name="size">Threads taking part, the caller included (at least 1).</param>
    public CoreTeam(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        workers = new Thread[size - 1];
        wakeUps = new SemaphoreSlim[size - 1];
        sleeping = new int[size - 1];
        for (int index = 0; index < workers.Length; index++)
        {
            int part = index + 1;
            wakeUps[index] = new SemaphoreSlim(0);
            workers[index] = new Thread(() => Work(part)) { IsBackground = true, Name = $"twinforge-decode-{part}" };
            workers[index].Start();
        }
    }

    /// <summary>A team of as many threads as the machine has cores (one: the caller alone).</summary>
    public static CoreTeam ForMachine() => new(Math.Max(1, Environment.ProcessorCount));

    public int Size { get; }

    /// <summary>
    /// Runs <paramref name="piece"/>(part, <see cref="Size"/>) on every thread of the team, part 0 on the caller, and
    /// returns when all have finished; an exception in any part is rethrown here.
    /// </summary>
    public void Run(Action<int, int> piece)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (workers.Length == 0)
        {
            piece(0, 1);
            return;
        }
        work = piece;
        failure = null;
        Volatile.Write(ref pending, workers.Length);
        Interlocked.Increment(ref generation);
        for (int index = 0; index < workers.Length; index++)
            if (Interlocked.Exchange(ref sleeping[index], 0) == 1) wakeUps[index].Release();
        Exception? own = null;
        try
        {
            piece(0, Size);
        }
        catch (Exception exception)
        {
            own = exception;
        }
        var spin = new SpinWait();
        while (Volatile.Read(ref pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
        work = null;
        if (own is not null) throw own;
        if (failure is not null) throw new AggregateException("a part of a decoding step failed", failure);
    }

    void Work(int part)
    {
        long seen = 0;
        while (true)
        {
            long started = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref generation) == seen && !disposed)
            {
                if (Stopwatch.GetElapsedTime(started) < SpinTime)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                // Sleep; Run wakes us when it finds the flag set. Checking the generation after setting the flag
                // closes the race with a Run that bumped it just before (a full fence: the flag must be visible to
                // Run before the generation is read, which a plain store followed by a load does not guarantee).
                Interlocked.Exchange(ref sleeping[part - 1], 1);
                if (Volatile.Read(ref generation) == seen && !disposed) wakeUps[part - 1].Wait();
                Volatile.Write(ref sleeping[part - 1], 0);
                started = Stopwatch.GetTimestamp();
            }
            if (disposed) return;
            seen = Volatile.Read(ref generation);
            try
            {
                work!(part, Size);
            }
            catch (Exception exception)
            {
                failure = exception;
            }
            Interlocked.Decrement(ref pending);
        }
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var wakeUp in wakeUps) wakeUp.Release();
        foreach (var worker in workers) worker.Join();
        foreach (var wakeUp in wakeUps) wakeUp.Dispose();
    }
}
