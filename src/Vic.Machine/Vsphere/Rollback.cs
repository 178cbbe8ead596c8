namespace Vic.Machine.Vsphere;

/// <summary>
/// The undo steps of a change on vSphere, run newest first when it fails part-way. An undo step that fails is
/// reported and the others still run, so one stuck object does not leave everything else behind.
/// </summary>
internal sealed class Rollback(TextWriter progress)
{
    private readonly Stack<(string What, Func<Task> Undo)> _steps = new();

    public void Add(string what, Func<Task> undo) => _steps.Push((what, undo));

    /// <summary>Runs every undo step; returns the ones that failed, with why.</summary>
    public async Task<IReadOnlyList<string>> RunAsync()
    {
        var failures = new List<string>();
        while (_steps.TryPop(out var step))
        {
            progress.WriteLine($"Rolling back: {step.What}");
            try
            {
                await step.Undo();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures.Add($"{step.What}: {e.Message}");
                progress.WriteLine($"  failed: {e.Message}");
            }
        }
        return failures;
    }
}
