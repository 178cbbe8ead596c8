using System.Globalization;

namespace Vic.Tether;

/// <summary>
/// Resolves a Docker user spec ("", "uid", "uid:gid", "name", "name:group", "uid:group", "name:gid") against
/// the text of a container's /etc/passwd and /etc/group, the way runc does. Pure: shared with the tests.
/// </summary>
internal sealed class UserDatabase
{
    private readonly List<PasswdEntry> _users;
    private readonly List<GroupEntry> _groups;

    public UserDatabase(string? passwdText, string? groupText)
    {
        _users = ParseLines(passwdText, 7).Select(f => new PasswdEntry(f[0], ParseId(f[2]), ParseId(f[3]), f[5])).Where(u => u.Uid is not null).ToList();
        _groups = ParseLines(groupText, 4).Select(f => new GroupEntry(f[0], ParseId(f[2]), f[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))).Where(g => g.Gid is not null).ToList();
    }

    /// <summary>Resolves <paramref name="spec"/>; on failure returns null and a message worded like dockerd's.</summary>
    public ResolvedUser? Resolve(string spec, out string? error) => Resolve(spec, null, out error);

    /// <summary>
    /// Resolves <paramref name="spec"/> with <paramref name="additionalGroups"/> (docker --group-add: group names or
    /// numeric IDs, a name looked up first) added to the supplementary groups, as runc adds them.
    /// </summary>
    public ResolvedUser? Resolve(string spec, IReadOnlyList<string>? additionalGroups, out string? error)
    {
        error = null;
        string userPart = spec;
        string? groupPart = null;
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            userPart = spec[..colon];
            groupPart = spec[(colon + 1)..];
        }
        if (userPart.Length == 0)
        {
            userPart = "0";
        }

        uint? numericUid = ParseId(userPart);
        PasswdEntry? entry = numericUid is uint uid
            ? _users.FirstOrDefault(u => u.Uid == uid)
            : _users.FirstOrDefault(u => u.Name == userPart);
        if (entry is null && numericUid is null)
        {
            error = $"unable to find user {userPart}: no matching entries in passwd file";
            return null;
        }

        uint resolvedUid = numericUid ?? entry!.Uid!.Value;
        uint gid = entry?.Gid ?? 0;
        bool groupGiven = !string.IsNullOrEmpty(groupPart);
        if (groupGiven)
        {
            if (ParseId(groupPart!) is uint numericGid)
            {
                gid = numericGid;
            }
            else if (_groups.FirstOrDefault(g => g.Name == groupPart) is GroupEntry group)
            {
                gid = group.Gid!.Value;
            }
            else
            {
                error = $"unable to find group {groupPart}: no matching entries in group file";
                return null;
            }
        }

        // Supplementary groups, as runc sets them: every group that lists the user by name, unless a group was
        // given explicitly; otherwise none (the primary group still applies through setgid).
        var supplementary = new List<uint>();
        if (entry is not null && !groupGiven)
        {
            foreach (GroupEntry group in _groups)
            {
                if (group.Members.Contains(entry.Name, StringComparer.Ordinal) && !supplementary.Contains(group.Gid!.Value))
                {
                    supplementary.Add(group.Gid!.Value);
                }
            }
        }

        foreach (string added in additionalGroups ?? [])
        {
            uint? addedGid = _groups.FirstOrDefault(g => g.Name == added)?.Gid ?? ParseId(added);
            if (addedGid is null)
            {
                error = $"Unable to find group {added}: no matching entries in group file";
                return null;
            }
            if (!supplementary.Contains(addedGid.Value))
            {
                supplementary.Add(addedGid.Value);
            }
        }

        string home = string.IsNullOrEmpty(entry?.Home) ? "/" : entry!.Home;
        return new ResolvedUser(resolvedUid, gid, supplementary, home, entry?.Name);
    }

    private static uint? ParseId(string text) =>
        text.Length > 0 && text.All(char.IsAsciiDigit) && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint id) ? id : null;

    // passwd/group lines are ':'-separated; short lines are padded so a missing trailing field reads as empty.
    private static IEnumerable<string[]> ParseLines(string? text, int fields)
    {
        foreach (string raw in (text ?? "").Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string[] parts = line.Split(':');
            if (parts.Length < 3)
            {
                continue;
            }
            if (parts.Length < fields)
            {
                Array.Resize(ref parts, fields);
                for (int i = 0; i < fields; i++)
                {
                    parts[i] ??= "";
                }
            }
            yield return parts;
        }
    }

    private sealed record PasswdEntry(string Name, uint? Uid, uint? Gid, string Home);

    private sealed record GroupEntry(string Name, uint? Gid, string[] Members);
}
