using Vic.Engine.Images;
using Vic.Engine.Models;
using Vic.ImageC;
using Vic.Engine.Volumes;
using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>
/// docker create: validates as dockerd does, merges the image's config, and turns the result into a port-layer
/// ContainerSpec whose annotations keep the Docker config for inspect.
/// </summary>
internal sealed class ContainerFactory(PortLayerServices portLayer, IImageService images, Networks.NetworkService networks, MountResolver mountResolver)
{
    public async Task<ContainerCreateResponse> CreateAsync(string? requestedName, ContainerCreateRequest? request, Http.ApiVersion version,
        CancellationToken cancellationToken)
    {
        string? name = string.IsNullOrEmpty(requestedName) ? null : ContainerNames.Validate(requestedName);
        if (request is null)
            throw new InvalidArgumentException("config cannot be empty in order to create a container");
        if (string.IsNullOrEmpty(request.Image))
            throw new InvalidArgumentException("no image specified: config.Image is empty");

        var hostConfig = WithDefaults(request.HostConfig ?? new HostConfig());
        var facts = await portLayer.Host.GetFactsAsync(cancellationToken);
        var (memory, cpus) = ResourceValidator.Validate(hostConfig, facts.Cpus);
        hostConfig.Runtime = ContainerRuntime.Validate(hostConfig.Runtime);
        int stopSignal = string.IsNullOrEmpty(request.StopSignal) ? Signals.Term : Signals.Parse(request.StopSignal);
        Health.HealthRules.Validate(request.Healthcheck);

        // The CLI reacts to this 404 by pulling the image and creating again.
        var image = await images.FindAsync(request.Image, cancellationToken)
            ?? throw new NotFoundException("No such image: " + ImageReference.WithDefaultTag(request.Image));
        // After the image, as dockerd: a missing image is answered 404 (the CLI pulls) whatever the log config.
        hostConfig.LogConfig = LogDrivers.Validate(hostConfig.LogConfig);

        string id = ContainerIds.New();
        var config = ConfigMerger.Merge(request, image.Config, id);
        var (configMac, macWarning) = Networks.MacAddresses.FromConfig(config, hostConfig, version);
        var args = ConfigMerger.CommandLine(config);
        if (!string.IsNullOrEmpty(config.StopSignal))
            stopSignal = Signals.Parse(config.StopSignal);

        // Addresses are chosen and recorded under one lock, so two creates never get the same one.
        using var networkLock = await networks.LockAsync(cancellationToken);
        var existing = await portLayer.Containers.ListAsync(cancellationToken);
        if (name is not null && existing.FirstOrDefault(c => c.Spec.Name == name) is { } holder)
            throw new ConflictException(ContainerNames.NameInUse(name, holder.Spec.Id));
        name ??= PickFreeName(existing);
        // Networks first: they only choose addresses, while mounts may create volumes that a later refusal must undo.
        var attachment = await Networks.ContainerNetworking.AttachAsync(networks, id, name, config.Hostname, hostConfig, request.NetworkingConfig, configMac, cancellationToken);
        var (mounts, createdVolumes) = await mountResolver.ResolveAsync(config, hostConfig, cancellationToken);
        var annotations = DockerAnnotations.Encode(config, hostConfig, image.Id);
        annotations[Networks.NetworkAnnotations.Key] = Networks.NetworkAnnotations.Write(attachment.Endpoints);

        var spec = new ContainerSpec
        {
            Id = id,
            Name = name,
            ImageLayerId = image.TopLayerId,
            Process = new ProcessConfig
            {
                Args = args,
                Env = ConfigMerger.ProcessEnv(config, attachment.LinkEnv),
                WorkingDir = config.WorkingDir,
                User = config.User,
                AdditionalGroups = hostConfig.GroupAdd ?? [],
                Tty = config.Tty,
                OpenStdin = config.OpenStdin,
                StdinOnce = config.StdinOnce,
            },
            Hostname = config.Hostname,
            Domainname = config.Domainname,
            MemoryBytes = memory,
            Cpus = cpus,
            CpuShares = hostConfig.CpuShares,
            StopSignal = stopSignal,
            StopTimeoutSeconds = config.StopTimeout ?? 10,
            Annotations = annotations,
            Nics = attachment.Nics,
            Dns = attachment.Dns,
            ExtraHosts = attachment.ExtraHosts,
            Restart = RestartPolicies.ToSpec(hostConfig.RestartPolicy),
            Mounts = mounts,
            ReadOnlyRoot = hostConfig.ReadonlyRootfs,
        };
        try
        {
            await portLayer.Containers.CreateAsync(spec, cancellationToken);
        }
        catch (PortLayerException e)
        {
            // Volumes made for this container go with it (bad input changes nothing).
            await mountResolver.RemoveQuietlyAsync(createdVolumes);
            if (e is not AlreadyExistsException)
                throw;
            // Lost a race for the name: answer with dockerd's wording when we can name the holder.
            var now = await portLayer.Containers.ListAsync(cancellationToken);
            if (now.FirstOrDefault(c => c.Spec.Name == name && c.Spec.Id != id) is { } winner)
                throw new ConflictException(ContainerNames.NameInUse(name, winner.Spec.Id));
            throw;
        }
        return new ContainerCreateResponse(id, macWarning is null ? [] : [macWarning]);
    }

    private static string PickFreeName(IReadOnlyList<ContainerInfo> existing)
    {
        var taken = existing.Select(c => c.Spec.Name).ToHashSet(StringComparer.Ordinal);
        for (int attempt = 0; ; attempt++)
        {
            string candidate = ContainerNames.Random(attempt);
            if (!taken.Contains(candidate))
                return candidate;
        }
    }

    /// <summary>Fills what dockerd fills so inspect reads the same; everything the client sent is kept.</summary>
    private static HostConfig WithDefaults(HostConfig hc) => hc with
    {
        NetworkMode = string.IsNullOrEmpty(hc.NetworkMode) ? "default" : hc.NetworkMode,
        RestartPolicy = string.IsNullOrEmpty(hc.RestartPolicy?.Name) ? new RestartPolicy { Name = "no", MaximumRetryCount = hc.RestartPolicy?.MaximumRetryCount ?? 0 } : hc.RestartPolicy,
        ConsoleSize = hc.ConsoleSize ?? [0, 0],
    };
}
