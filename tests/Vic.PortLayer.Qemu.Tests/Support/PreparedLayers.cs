using System.Diagnostics;
using System.Text.Json;
using Vic.PortLayer.Qemu.Storage;

namespace Vic.PortLayer.Qemu.Tests.Support;

/// <summary>Lays out a layer directory by hand (child disk + meta.json), as a finished WriteLayerAsync would.</summary>
internal static class PreparedLayers
{
    public static string Make(string datastore, char fill, string? parent)
    {
        string hex = new(fill, 64);
        string id = "sha256:" + hex;
        string dir = Path.Combine(datastore, "layers", hex);
        Directory.CreateDirectory(dir);
        string backing = parent is null
            ? Path.Combine(datastore, "layers", "base", "disk.qcow2")
            : Path.Combine(datastore, "layers", parent["sha256:".Length..], "disk.qcow2");
        using (var p = Process.Start("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", backing, Path.Combine(dir, "disk.qcow2")]))
        {
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new InvalidOperationException("qemu-img create failed");
        }
        File.WriteAllBytes(Path.Combine(dir, "meta.json"),
            JsonSerializer.SerializeToUtf8Bytes(new LayerMeta(id, parent, DateTimeOffset.UtcNow), QemuJson.Default.LayerMeta));
        return id;
    }
}
