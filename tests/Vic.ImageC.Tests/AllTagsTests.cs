using Vic.ImageC.Registry;
using Vic.PortLayer;

namespace Vic.ImageC.Tests;

/// <summary>docker pull --all-tags: the registry's tag list (paginated with Link headers), each tag pulled in turn.</summary>
public sealed class AllTagsTests : RegistryHarnessTests
{
    private async Task<(IReadOnlyList<ImageRecord> Images, Fakes.RecordingProgress Progress)> PullAllAsync(string repository)
    {
        var progress = new Fakes.RecordingProgress();
        var images = await _harness.Service.PullAllTagsAsync(repository, null, RegistryCredentials.Anonymous, progress, default);
        return (images, progress);
    }

    [Fact]
    public async Task Every_tag_is_pulled_across_pages_with_one_final_status()
    {
        var one = RegistryImages.Publish(_registry, "app", "1.0", [Harness.Tar("a", "one")]);
        var two = RegistryImages.Publish(_registry, "app", "2.0", [Harness.Tar("a", "one"), Harness.Tar("b", "two")]);
        _registry.AddManifest("app", "latest", two.Manifest, "application/vnd.oci.image.manifest.v1+json");
        _registry.TagsPageSize = 2;
        string repo = $"{_registry.HostPort}/app";

        var (images, progress) = await PullAllAsync(repo);

        Assert.Equal([one.ConfigDigest, two.ConfigDigest, two.ConfigDigest], images.Select(i => i.Id));
        Assert.Equal(2, _registry.RequestsFor("/app/tags/list"));
        Assert.Equal(["1.0", "2.0", "latest"], progress.Messages.Where(m => m.Status == "Pulling from app").Select(m => m.Id));
        Assert.Equal(3, progress.Messages.Count(m => m.Status.StartsWith("Digest: ", StringComparison.Ordinal)));
        // The shared layer is downloaded for 1.0 only.
        Assert.Single(progress.Statuses(two.LayerDigests[0][7..19]), s => s == "Pull complete");
        Assert.Equal(2, progress.Statuses(two.LayerDigests[0][7..19]).Count(s => s == "Already exists"));
        Assert.Equal($"Status: Downloaded newer image for {repo}", progress.Messages[^1].Status);
        Assert.DoesNotContain(progress.Messages.SkipLast(1), m => m.Status.StartsWith("Status: ", StringComparison.Ordinal));
        var latest = await _harness.Service.FindAsync($"{repo}:latest", default);
        Assert.Equal([$"{repo}:2.0", $"{repo}:latest"], latest!.RepoTags.Order(StringComparer.Ordinal));

        var (_, again) = await PullAllAsync(repo);
        Assert.Equal($"Status: Image is up to date for {repo}", again.Messages[^1].Status);
    }

    [Fact]
    public async Task A_reference_with_a_tag_pulls_only_that_tag()
    {
        var one = RegistryImages.Publish(_registry, "app", "1.0", [Harness.Tar("a", "one")]);
        RegistryImages.Publish(_registry, "app", "2.0", [Harness.Tar("b", "two")]);

        var (images, progress) = await PullAllAsync($"{_registry.HostPort}/app:1.0");

        Assert.Equal([one.ConfigDigest], images.Select(i => i.Id));
        Assert.Equal(0, _registry.RequestsFor("/tags/list"));
        Assert.Equal($"Status: Downloaded newer image for {_registry.HostPort}/app:1.0", progress.Messages[^1].Status);
    }

    [Fact]
    public async Task A_next_page_on_another_server_is_refused_and_an_unknown_repository_is_denied()
    {
        RegistryImages.Publish(_registry, "app", "1.0", [Harness.Tar("a", "one")]);
        RegistryImages.Publish(_registry, "app", "2.0", [Harness.Tar("b", "two")]);
        _registry.TagsPageSize = 1;
        _registry.TagsNextLink = "<http://127.0.0.2:9/v2/app/tags/list?last=1.0>; rel=\"next\"";

        var elsewhere = await Assert.ThrowsAsync<InternalException>(() => PullAllAsync($"{_registry.HostPort}/app"));
        Assert.Contains("the registry's next page of tags is elsewhere (http://127.0.0.2:9/v2/app/tags/list?last=1.0)", elsewhere.Message);
        Assert.Empty(_harness.Layers.LayerIds);

        var unknown = await Assert.ThrowsAsync<NotFoundException>(() => PullAllAsync($"{_registry.HostPort}/nothing"));
        Assert.Equal(
            $"pull access denied for {_registry.HostPort}/nothing, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
            unknown.Message);
    }

    [Theory]
    [InlineData("</v2/a/tags/list?n=2&last=b>; rel=\"next\"", "http://r:5000/v2/a/tags/list?n=2&last=b")]
    [InlineData("<http://r:5000/v2/a/tags/list?last=b>;rel=next", "http://r:5000/v2/a/tags/list?last=b")]
    [InlineData("</v2/a/tags/list?last=a>; rel=\"prev\", </v2/a/tags/list?last=c>; rel=\"next\"", "http://r:5000/v2/a/tags/list?last=c")]
    [InlineData("</v2/a/tags/list?last=a>; rel=\"prev\"", null)]
    public void The_next_page_comes_from_the_link_header(string link, string? expected)
    {
        var list = new Uri("http://r:5000/v2/a/tags/list");
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Link", link);

        Assert.Equal(expected, RegistryClient.NextPage(response, list, list)?.ToString());
    }

    [Theory]
    [InlineData("<https://r:5000/v2/a/tags/list?last=b>; rel=\"next\"")]
    [InlineData("<http://other:5000/v2/a/tags/list?last=b>; rel=\"next\"")]
    [InlineData("</v2/b/tags/list?last=b>; rel=\"next\"")]
    public void A_next_page_outside_the_list_is_refused(string link)
    {
        var list = new Uri("http://r:5000/v2/a/tags/list");
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Link", link);

        Assert.Throws<InternalException>(() => RegistryClient.NextPage(response, list, list));
    }
}
