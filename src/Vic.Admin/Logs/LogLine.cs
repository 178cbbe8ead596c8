namespace Vic.Admin.Logs;

/// <summary>One line of a log tail; <see cref="Error"/> marks a container's stderr.</summary>
internal readonly record struct LogLine(string Text, bool Error = false);
