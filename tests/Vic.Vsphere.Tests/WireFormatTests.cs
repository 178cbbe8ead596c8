using System.Xml.Linq;
using Vic.Vsphere.Soap;

namespace Vic.Vsphere.Tests;

/// <summary>Serialization and parsing without a server: schema order, xsi:types, faults as vSphere sends them.</summary>
public sealed class WireFormatTests
{
    [Fact]
    public void A_config_spec_is_written_in_schema_order_with_the_xsi_types_vsphere_needs()
    {
        var spec = new VmConfigSpec
        {
            Name = "c1", GuestId = "otherLinux64Guest", VmPathName = "[ds] c1/c1.vmx", NumCpus = 2, MemoryMb = 2048,
            ExtraConfig = new Dictionary<string, string> { ["guestinfo.a"] = "<x&y>" },
            DeviceChanges =
            [
                DeviceChange.Create(new VirtualDisk
                {
                    Key = -1, ControllerKey = -100, UnitNumber = 0, CapacityKb = 1024,
                    Backing = new DiskBacking("[ds] c1/c1.vmdk") { Parent = new DiskBacking("[ds] images/l1.vmdk") },
                }),
                DeviceChange.Add(new VirtualNic { Key = -2, SwitchUuid = "uu", PortgroupKey = "dvportgroup-1" }),
            ],
        };
        XElement xml = VmSpecXml.Write("config", spec);

        Assert.Equal(["name", "guestId", "files", "numCPUs", "memoryMB", "deviceChange", "deviceChange", "extraConfig"],
            xml.Elements().Select(e => e.Name.LocalName));
        var option = xml.Element(Vim.N("extraConfig"))!;
        Assert.Equal("OptionValue", Vim.XsiType(option));
        Assert.Equal("<x&y>", option.Element(Vim.N("value"))!.Value);
        Assert.Contains("&lt;x&amp;y&gt;", option.ToString(SaveOptions.DisableFormatting));

        var disk = xml.Elements(Vim.N("deviceChange")).First();
        Assert.Equal(["operation", "fileOperation", "device"], disk.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("create", disk.Element(Vim.N("fileOperation"))!.Value);
        var device = disk.Element(Vim.N("device"))!;
        Assert.Equal("VirtualDisk", Vim.XsiType(device));
        Assert.Equal(["key", "backing", "controllerKey", "unitNumber", "capacityInKB"], device.Elements().Select(e => e.Name.LocalName));
        var backing = device.Element(Vim.N("backing"))!;
        Assert.Equal("VirtualDiskFlatVer2BackingInfo", Vim.XsiType(backing));
        Assert.Equal(["fileName", "diskMode", "thinProvisioned", "parent"], backing.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("[ds] images/l1.vmdk", backing.Element(Vim.N("parent"))!.Element(Vim.N("fileName"))!.Value);

        var nic = xml.Elements(Vim.N("deviceChange")).Last().Element(Vim.N("device"))!;
        Assert.Equal("VirtualVmxnet3", Vim.XsiType(nic));
        Assert.Equal("VirtualEthernetCardDistributedVirtualPortBackingInfo", Vim.XsiType(nic.Element(Vim.N("backing"))!));
        Assert.Null(disk.Parent!.Element(Vim.N("numCoresPerSocket")));
    }

    [Fact]
    public void Devices_read_back_into_the_records_they_were_written_from()
    {
        VirtualDevice[] devices =
        [
            new VirtualDisk { Key = 2000, ControllerKey = 1000, UnitNumber = 0, CapacityKb = 4096, Backing = new DiskBacking("[ds] a.vmdk") { Parent = new DiskBacking("[ds] p.vmdk") { ThinProvisioned = false } } },
            new VirtualCdrom { Key = 3000, ControllerKey = 200, UnitNumber = 0, IsoFileName = "[ds] b.iso" },
            new VirtualNic { Key = 4000, Kind = NicKind.E1000e, NetworkName = "VM Network", MacAddress = "00:50:56:00:00:01" },
            new VirtualSerialPort { Key = 9000, Backing = new SerialUriBacking("telnet://:4000", "server") },
            new ScsiController { Key = 1000, Kind = ScsiKind.LsiLogic, BusNumber = 1 },
        ];
        foreach (var device in devices)
        {
            var xml = VmSpecXml.WriteDevice("VirtualDevice", device);
            Assert.Equal(device, VmSpecXml.ReadDevice(xml));
        }
    }

    [Fact]
    public void A_soap_fault_becomes_its_typed_exception_with_vspheres_message()
    {
        var fault = XElement.Parse("""
            <soapenv:Fault xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
              <faultcode>ServerFaultCode</faultcode>
              <faultstring>The object 'vim.VirtualMachine:vm-9' has already been deleted or has not been completely created</faultstring>
              <detail><ManagedObjectNotFoundFault xmlns="urn:vim25" xsi:type="ManagedObjectNotFound"><obj type="VirtualMachine">vm-9</obj></ManagedObjectNotFoundFault></detail>
            </soapenv:Fault>
            """);
        var parsed = Assert.IsType<ManagedObjectNotFoundFault>(FaultParser.FromSoapFault(fault, "PowerOnVM_Task"));
        Assert.Equal(new ManagedObjectReference("VirtualMachine", "vm-9"), parsed.Object);
        Assert.StartsWith("The object 'vim.VirtualMachine:vm-9'", parsed.Message);
        Assert.Equal("PowerOnVM_Task", parsed.Method);
    }

    [Fact]
    public void A_fault_without_xsi_type_is_named_by_its_element_and_unknown_types_stay_generic()
    {
        var noType = XElement.Parse("""
            <Fault xmlns="http://schemas.xmlsoap.org/soap/envelope/"><faultcode xmlns="">ServerFaultCode</faultcode><faultstring xmlns="">x</faultstring>
              <detail xmlns=""><InvalidPowerStateFault xmlns="urn:vim25"><requestedState>poweredOn</requestedState><existingState>poweredOn</existingState></InvalidPowerStateFault></detail></Fault>
            """);
        var power = Assert.IsType<InvalidPowerStateFault>(FaultParser.FromSoapFault(noType, "PowerOnVM_Task"));
        Assert.Equal(("poweredOn", "poweredOn"), (power.RequestedState, power.ExistingState));

        var unknown = FaultParser.Create("HostConnectFault", "", null, "x");
        Assert.Equal(typeof(VsphereFault), unknown.GetType());
        Assert.Equal("HostConnectFault", unknown.Message); // no server text: the type, never an empty message

        Assert.IsType<FileFault>(FaultParser.Create("CannotCreateFile", "no", null, "x"));
        Assert.Equal("vmName", Assert.IsType<InvalidArgumentFault>(
            FaultParser.Create("InvalidArgument", "bad", XElement.Parse("""<f xmlns="urn:vim25"><invalidProperty>vmName</invalidProperty></f>"""), "x")).InvalidProperty);
    }

    [Fact]
    public void A_task_error_uses_its_localized_message()
    {
        var error = XElement.Parse("""
            <error xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
              <fault xsi:type="DuplicateName"><name>vch1</name><object type="ResourcePool">resgroup-9</object></fault>
              <localizedMessage>The name 'vch1' already exists.</localizedMessage>
            </error>
            """);
        var fault = Assert.IsType<DuplicateNameFault>(FaultParser.FromLocalizedFault(error, "ResourcePool.createResourcePool"));
        Assert.Equal("vch1", fault.Name);
        Assert.Equal("The name 'vch1' already exists.", fault.Message);
    }

    [Fact]
    public void A_property_filter_writes_recursive_traversals_with_names()
    {
        var xml = PropertyCollector.Write("spec", PropertyFilter.Below(new ManagedObjectReference("Folder", "group-d1"), "VirtualMachine", "name"));
        Assert.Equal(["propSet", "objectSet"], xml.Elements().Select(e => e.Name.LocalName));
        var selects = xml.Element(Vim.N("objectSet"))!.Elements(Vim.N("selectSet")).ToList();
        Assert.All(selects, s => Assert.Equal("TraversalSpec", Vim.XsiType(s)));
        Assert.Contains(selects, s => s.Element(Vim.N("path"))!.Value == "childEntity");
        Assert.Equal("true", xml.Element(Vim.N("objectSet"))!.Element(Vim.N("skip"))!.Value);
    }

    [Theory]
    [InlineData("[LocalDS_0] a/b.vmdk", "LocalDS_0", "a/b.vmdk")]
    [InlineData("[ds with space]", "ds with space", "")]
    public void Datastore_paths_parse_and_print(string text, string datastore, string path)
    {
        var parsed = DatastorePath.Parse(text);
        Assert.Equal((datastore, path), (parsed.Datastore, parsed.Path));
        Assert.Equal(text, parsed.ToString());
        Assert.Throws<FormatException>(() => DatastorePath.Parse("no-brackets/a.vmdk"));
    }

    [Fact]
    public void A_malformed_thumbprint_is_refused_up_front()
    {
        var error = Assert.Throws<ArgumentException>(() => new ServerCertificateCheck("AB:CD", null));
        Assert.Contains("neither a SHA-1", error.Message);
    }
}
