using Vic.Vsphere;

namespace Vic.Machine.Vsphere;

/// <summary>
/// Uploads one <see cref="LocalImages"/> set to "&lt;vch dir&gt;/images/&lt;stamp&gt;/": the container base files under
/// container-base/, and the appliance image as a raw flat extent with a VMDK descriptor (appliance.vmdk) so the
/// appliance VM can attach it. Used by create and upgrade.
/// </summary>
internal static class ImageUploader
{
    public static async Task<ImageSet> UploadAsync(VsphereSession session, Datastore datastore, DatastorePath vchDirectory, LocalImages images,
        TextWriter progress, CancellationToken ct)
    {
        var client = session.Client;
        var dir = vchDirectory.Combine($"images/{images.Stamp}");
        var baseDir = dir.Combine("container-base");
        await client.Datastores.MakeDirectoryAsync(session.Datacenter, baseDir, createParents: true, ct);
        foreach (string file in images.ContainerBaseFiles)
        {
            progress.WriteLine($"Uploading container base {Path.GetFileName(file)} ({new FileInfo(file).Length / 1024} KiB) to {baseDir}");
            await using var stream = File.OpenRead(file);
            await client.Datastores.UploadAsync(session.Datacenter, baseDir.Combine(Path.GetFileName(file)), stream, ct);
        }
        if (!images.ContainerBaseFiles.Any(f => Path.GetFileName(f) == LocalImages.IsoName))
            progress.WriteLine($"WARNING: no {LocalImages.IsoName} in {images.ContainerBaseDirectory}: neither the appliance nor containerVMs can boot on vSphere without it (scripts/build-container-base.sh makes it)");
        string? applianceDisk = null;
        if (images.ApplianceImage is string image)
        {
            long length = new FileInfo(image).Length;
            progress.WriteLine($"Uploading appliance image {image} ({length / (1024 * 1024)} MiB) to {dir}");
            await using (var stream = File.OpenRead(image))
                await client.Datastores.UploadAsync(session.Datacenter, dir.Combine("appliance-flat.vmdk"), new PaddedStream(stream, length), ct);
            var descriptor = dir.Combine("appliance.vmdk");
            using var text = new MemoryStream(System.Text.Encoding.ASCII.GetBytes(FlatDisk.Descriptor("appliance-flat.vmdk", PaddedStream.Sectors(length) * 512)));
            await client.Datastores.UploadAsync(session.Datacenter, descriptor, text, ct);
            applianceDisk = descriptor.ToString();
        }
        else
        {
            progress.WriteLine($"WARNING: no appliance image was found ({images.ContainerBaseDirectory} has the container base only); " +
                "the appliance VM gets no boot disk until `vic-machine upgrade` uploads one (build it with scripts/build-appliance.sh)");
        }
        return new ImageSet(images.Stamp, images.Version, baseDir.ToString(), applianceDisk);
    }
}

/// <summary>A stream padded with zeros to a whole number of 512-byte sectors (a flat extent must be).</summary>
internal sealed class PaddedStream(Stream inner, long length) : Stream
{
    private readonly long _total = Sectors(length) * 512;
    private long _position;

    public static long Sectors(long bytes) => (bytes + 511) / 512;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _total;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position >= _total)
            return 0;
        int n = _position < length ? inner.Read(buffer[..(int)Math.Min(buffer.Length, length - _position)]) : 0;
        if (n == 0)
        {
            n = (int)Math.Min(buffer.Length, _total - _position);
            buffer[..n].Clear();
        }
        _position += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= _total)
            return 0;
        int n = _position < length ? await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, length - _position)], cancellationToken) : 0;
        if (n == 0)
        {
            n = (int)Math.Min(buffer.Length, _total - _position);
            buffer.Span[..n].Clear();
        }
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
