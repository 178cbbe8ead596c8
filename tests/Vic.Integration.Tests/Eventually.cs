namespace Vic.Integration.Tests;

/// <summary>Polls a condition of a real system (VMs boot at their own pace under TCG) until it holds or time runs out.</summary>
internal static class Eventually
{
    public static async Task ThatAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(250);
        }
    }
}
