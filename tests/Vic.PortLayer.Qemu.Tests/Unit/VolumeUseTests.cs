using Vic.PortLayer.Qemu.Containers;

namespace Vic.PortLayer.Qemu.Tests.Unit;

/// <summary>The one-writer rule for volume disks, between running containers and Files VMs of stopped ones (docker cp).</summary>
public sealed class VolumeUseTests
{
    private static ContainerEntry Entry(char idChar, ContainerRunState state, params MountSpec[] mounts)
    {
        string id = new(idChar, 64);
        var record = new ContainerRecord
        {
            Spec = new ContainerSpec { Id = id, Name = $"c{idChar}", Process = new ProcessConfig { Args = ["true"] }, Mounts = mounts },
            Created = DateTimeOffset.UnixEpoch,
            Status = new ContainerStatus { State = state, Pid = state == ContainerRunState.Running ? 42 : 0 },
        };
        return new ContainerEntry(id, "/nonexistent", record);
    }

    private static MountSpec Volume(string name, bool readOnly = false) => new() { Kind = MountKind.Volume, Source = name, Target = "/" + name, ReadOnly = readOnly };

    private static readonly Dictionary<string, VolumeUse.Loan> NoLoans = [];

    [Fact]
    public void A_volume_written_by_a_running_container_is_refused_to_another_writer_and_to_a_reader()
    {
        ContainerEntry running = Entry('a', ContainerRunState.Running, Volume("data"));
        ContainerEntry writer = Entry('b', ContainerRunState.Created, Volume("data"));
        ContainerEntry reader = Entry('c', ContainerRunState.Created, Volume("data", readOnly: true));
        var e = Assert.Throws<ConflictException>(() => VolumeUse.CheckFree(writer, [running, writer], _ => false, NoLoans));
        Assert.StartsWith($"volume data is in use by running container {running.Id[..12]} (ca)", e.Message);
        Assert.Throws<ConflictException>(() => VolumeUse.CheckFree(reader, [running, reader], _ => false, NoLoans));
        // Shared-store volumes are directories: any number of writers.
        VolumeUse.CheckFree(writer, [running, writer], name => name == "data", NoLoans);
    }

    [Fact]
    public void A_volume_lent_to_a_file_copy_is_refused_to_other_containers_until_returned()
    {
        ContainerEntry copying = Entry('a', ContainerRunState.Exited, Volume("data"));
        ContainerEntry starting = Entry('b', ContainerRunState.Created, Volume("data", readOnly: true));
        var lent = new Dictionary<string, VolumeUse.Loan> { ["data"] = new(copying.Id, Writes: true) };
        var e = Assert.Throws<ConflictException>(() => VolumeUse.CheckFree(starting, [copying, starting], _ => false, lent));
        Assert.Equal($"volume data is in use by a file copy into or out of container {copying.Id[..12]}: try again when it ends", e.Message);
        // The container whose copy holds it is not refused by its own loan, and a read-only loan lets readers in.
        VolumeUse.CheckFree(copying, [copying, starting], _ => false, lent);
        lent["data"] = new(copying.Id, Writes: false);
        VolumeUse.CheckFree(starting, [copying, starting], _ => false, lent);
        ContainerEntry writer = Entry('c', ContainerRunState.Created, Volume("data"));
        Assert.Throws<ConflictException>(() => VolumeUse.CheckFree(writer, [copying, writer], _ => false, lent));
        lent.Clear();
        VolumeUse.CheckFree(writer, [copying, writer], _ => false, lent);
    }
}
