using System.Text;
using Vic.Engine.Containers;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Exec;

/// <summary>
/// docker top: runs the image's own ps inside the containerVM (so ps options pass through as users expect) and
/// parses its table. The VM holds more than the container's processes: the tether (PID 1), kernel threads and the
/// ps itself are left out, so the table lists what dockerd would list for the container.
/// </summary>
internal sealed class ProcessTable(PortLayerServices portLayer)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public async Task<ContainerTopResponse> ListAsync(ContainerRecord container, string? psArgs, CancellationToken cancellationToken)
    {
        if (container.State == ContainerRunState.Paused)
            throw new ConflictException($"Container {container.Id} is paused, unpause the container before listing its processes");
        if (container.State != ContainerRunState.Running)
            throw new ConflictException($"Container {container.Id} is not running");
        string[] args = string.IsNullOrWhiteSpace(psArgs) ? ["-ef"] : psArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        await using var session = await portLayer.Exec.StartAsync(container.Id, new ExecSpec { Args = ["ps", .. args] }, deadline.Token);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        await foreach (var chunk in session.ReadOutputAsync(deadline.Token))
            (chunk.Stream == OutputStream.Stdout ? stdout : stderr).Append(Encoding.UTF8.GetString(chunk.Data.Span));
        var exit = await session.Exited.WaitAsync(deadline.Token);
        if (session.Pid == 0)
            throw new InternalException($"Error running ps in the container: {exit.Error}");
        if (exit.ExitCode != 0)
            throw new InternalException($"Error running ps: exit status {exit.ExitCode}: {stderr}{stdout}".TrimEnd());
        return Parse(stdout.ToString(), session.Pid);
    }

    /// <summary>Splits ps's table: titles from the header, the last column keeping its spaces (the command line).</summary>
    public static ContainerTopResponse Parse(string output, int psPid)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
            throw new InternalException("Error running ps: it printed nothing");
        var titles = lines[0].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries).ToList();
        int pidColumn = titles.IndexOf("PID");
        if (pidColumn < 0)
            throw new InternalException("Couldn't find PID field in ps output");
        var processes = new List<List<string>>();
        foreach (string line in lines.Skip(1))
        {
            var fields = SplitFields(line, titles.Count);
            if (fields.Count <= pidColumn || !int.TryParse(fields[pidColumn], out int pid))
                continue;
            string command = fields[^1];
            bool kernelThread = command.StartsWith('[') && command.EndsWith(']');
            if (pid == 1 || pid == psPid || kernelThread)
                continue;
            processes.Add(fields);
        }
        return new ContainerTopResponse(titles, processes);
    }

    private static List<string> SplitFields(string line, int count)
    {
        var fields = new List<string>(count);
        int i = 0;
        while (fields.Count < count - 1)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i]))
                i++;
            if (i >= line.Length)
                return fields;
            int start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i]))
                i++;
            fields.Add(line[start..i]);
        }
        string rest = line[i..].Trim();
        if (rest.Length > 0)
            fields.Add(rest);
        return fields;
    }
}
