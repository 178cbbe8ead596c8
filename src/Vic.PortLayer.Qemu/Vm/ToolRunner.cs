using System.Diagnostics;
using System.Text;

namespace Vic.PortLayer.Qemu.Vm;

/// <summary>The result of a helper program run to completion.</summary>
internal sealed record ToolResult(int ExitCode, string StandardError, string StandardOutput)
{
    /// <summary>The most useful text for an error message: stderr, else stdout, trimmed.</summary>
    public string Message => (StandardError.Trim().Length > 0 ? StandardError : StandardOutput).Trim();
}

/// <summary>
/// Runs host helpers (qemu-img, mkfs.ext4, a foreground QEMU) with a deadline. A helper that outlives its
/// deadline or the caller's token is killed, so no failure path leaves a process behind.
/// </summary>
internal static class ToolRunner
{
    public static async Task<ToolResult> RunAsync(string fileName, IEnumerable<string> args, TimeSpan timeout,
        CancellationToken cancellationToken, string? workingDirectory = null, string? standardInput = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "/",
        };
        foreach (string a in args)
            psi.ArgumentList.Add(a);

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FileNotFoundException($"cannot run {fileName}: {e.Message}", fileName, e);
        }
        if (standardInput is not null)
            await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        Task<string> stderr = ReadBoundedAsync(process.StandardError);
        Task<string> stdout = ReadBoundedAsync(process.StandardOutput);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{Path.GetFileName(fileName)} did not finish within {timeout.TotalSeconds:0} s");
        }
        return new ToolResult(process.ExitCode, await stderr, await stdout);
    }

    /// <summary>Keeps the first 64 KiB of a stream and drains the rest, so a chatty helper cannot fill memory or block.</summary>
    private static async Task<string> ReadBoundedAsync(StreamReader reader)
    {
        var text = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            if (text.Length < 64 * 1024)
                text.Append(buffer, 0, read);
        }
        return text.ToString();
    }
}
