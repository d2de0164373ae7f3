namespace Twinforge.Bench;

/// <summary>Where each training case runs.</summary>
public enum HarnessIsolation
{
    /// <summary>Each case in a fresh child process: its peak memory is its own (the harness's default).</summary>
    ChildProcess,

    /// <summary>All cases in this process: faster to start, but peak memory is the process's running maximum.</summary>
    InProcess,
}
