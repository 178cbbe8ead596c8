using System.Diagnostics;
using System.Net;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vic.Vsphere.Soap;

namespace Vic.Vsphere;

/// <summary>
/// A logged-in session with a vCenter or ESXi host over the vSphere Web Services API (SOAP, urn:vim25, HTTPS).
/// Thread-safe: calls may run concurrently. A call refused with NotAuthenticated (session expired or terminated)
/// logs in again once and is retried once; an idle session is kept alive on a timer. The typed operations hang
/// off the properties below (<see cref="Properties"/>, <see cref="Tasks"/>, <see cref="Inventory"/>, ...).
/// </summary>
public sealed class VsphereClient : IAsyncDisposable
{
    private readonly VsphereClientOptions _options;
    private readonly HttpClient _http;
    private readonly ServerCertificateCheck _certificates;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _loginLock = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private ITimer? _keepAlive;
    private int _keepAliveRunning;
    private volatile string? _cookie;
    private volatile bool _loggedIn;
    private int _logins;
    private string _soapAction = "urn:vim25";

    private VsphereClient(VsphereClientOptions options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger<VsphereClient>();
        _time = time;
        _certificates = new ServerCertificateCheck(options.Thumbprint, options.TrustedCertificates);
        var handler = new SocketsHttpHandler
        {
            // The session lives in the vmware_soap_session cookie, which this class handles itself so it can be
            // replaced on re-login and sent to the /folder endpoint.
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            SslOptions = { RemoteCertificateValidationCallback = _certificates.Validate },
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        Properties = new PropertyCollector(this);
        Tasks = new VsphereTasks(this);
        Inventory = new Inventory(this);
        Datastores = new DatastoreFiles(this);
        Disks = new VirtualDisks(this);
        VirtualMachines = new VirtualMachines(this);
        ResourcePools = new ResourcePools(this);
        Folders = new Folders(this);
    }

    /// <summary>Retrieves the service content, logs in and starts the keep-alive timer.</summary>
    /// <exception cref="InvalidLoginFault">The user name or password was refused.</exception>
    /// <exception cref="VsphereCertificateException">The server's certificate is not the one expected or trusted.</exception>
    public static async Task<VsphereClient> ConnectAsync(VsphereClientOptions options, ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.SdkUrl.Scheme != Uri.UriSchemeHttps && options.SdkUrl.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"{options.Url} is not an http(s) URL");
        }
        var client = new VsphereClient(options, loggerFactory ?? NullLoggerFactory.Instance, timeProvider ?? TimeProvider.System);
        try
        {
            var response = await client.SendAsync("RetrieveServiceContent", new ManagedObjectReference("ServiceInstance", "ServiceInstance"), [], cancellationToken);
            client.ServiceContent = ServiceContent.Parse(ReturnValue(response) ?? throw new FormatException("RetrieveServiceContent returned nothing"));
            if (client.ServiceContent.ApiVersion.Length > 0)
            {
                client._soapAction = "urn:vim25/" + client.ServiceContent.ApiVersion;
            }
            await client.LoginAsync(cancellationToken);
            Log.LoggedIn(client._logger, options.SdkUrl, client.ServiceContent.FullName, options.Username);
            if (options.KeepAliveInterval is { } interval)
            {
                client._keepAlive = client._time.CreateTimer(_ => client.KeepAlive(), null, interval, interval);
            }
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public ServiceContent ServiceContent { get; private set; } = null!;

    internal ILogger Logger => _logger;

    /// <summary>The SDK endpoint this client talks to.</summary>
    public Uri Url => _options.SdkUrl;

    /// <summary>The current session's key (changes when the client logs in again).</summary>
    public string? SessionKey { get; private set; }

    /// <summary>How many times this client has logged in: 1 after connecting, more after re-logins.</summary>
    public int LoginCount => Volatile.Read(ref _logins);

    public PropertyCollector Properties { get; }
    public VsphereTasks Tasks { get; }
    public Inventory Inventory { get; }
    public DatastoreFiles Datastores { get; }
    public VirtualDisks Disks { get; }
    public VirtualMachines VirtualMachines { get; }
    public ResourcePools ResourcePools { get; }
    public Folders Folders { get; }

    /// <summary>The server's clock (ServiceInstance.CurrentTime); also what the keep-alive calls.</summary>
    public async Task<DateTimeOffset> CurrentTimeAsync(CancellationToken cancellationToken = default)
    {
        var response = await InvokeAsync("CurrentTime", new ManagedObjectReference("ServiceInstance", "ServiceInstance"), [], cancellationToken);
        return DateTimeOffset.Parse(ReturnValue(response)!.Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Ends other sessions by key (SessionManager.TerminateSession); needs the Sessions.TerminateSession privilege.</summary>
    public Task TerminateSessionsAsync(IEnumerable<string> sessionKeys, CancellationToken cancellationToken = default) =>
        InvokeAsync("TerminateSession", ServiceContent.SessionManager, sessionKeys.Select(k => Vim.El("sessionId", k)).ToList(), cancellationToken);

    /// <summary>Whether a session is still valid (SessionManager.SessionIsActive).</summary>
    public async Task<bool> SessionIsActiveAsync(string sessionKey, string userName, CancellationToken cancellationToken = default)
    {
        var response = await InvokeAsync("SessionIsActive", ServiceContent.SessionManager, [Vim.El("sessionID", sessionKey), Vim.El("userName", userName)], cancellationToken);
        return ReturnValue(response)?.Value == "true";
    }

    /// <summary>Logs out; later calls fail with NotAuthenticated and do not log in again.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken = default)
    {
        _loggedIn = false;
        _keepAlive?.Dispose();
        try
        {
            await SendAsync("Logout", ServiceContent.SessionManager, [], cancellationToken);
        }
        catch (NotAuthenticatedFault)
        {
            // Already gone (expired or terminated): logged out all the same.
        }
        _cookie = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }
        _keepAlive?.Dispose();
        if (_loggedIn)
        {
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await LogoutAsync(limit.Token);
            }
            catch (Exception e) when (e is VsphereFault or HttpRequestException or OperationCanceledException or TimeoutException)
            {
                // Best effort: the server expires the session anyway.
            }
        }
        _disposed.Cancel();
        _http.Dispose();
        _loginLock.Dispose();
        _disposed.Dispose();
    }

    /// <summary>
    /// Calls a method on a managed object. On NotAuthenticated (from the fault, or from <paramref name="check"/>
    /// which inspects a successful response) it logs in again once and retries the call once.
    /// </summary>
    internal async Task<XElement> InvokeAsync(string method, ManagedObjectReference target, IReadOnlyList<XElement?> arguments,
        CancellationToken cancellationToken, Action<XElement>? check = null)
    {
        int logins = LoginCount;
        try
        {
            var response = await SendAsync(method, target, arguments, cancellationToken);
            check?.Invoke(response);
            return response;
        }
        catch (NotAuthenticatedFault) when (_loggedIn)
        {
            Log.Relogin(_logger, Url, method);
            await ReloginAsync(logins, cancellationToken);
            var response = await SendAsync(method, target, arguments, cancellationToken);
            check?.Invoke(response);
            return response;
        }
    }

    /// <summary>The first returnval of a response, or null for void methods and unset results.</summary>
    internal static XElement? ReturnValue(XElement response) => Vim.Child(response, "returnval");

    /// <summary>Sends an HTTP request to the server with the session cookie (the /folder datastore endpoint).</summary>
    internal async Task<HttpResponseMessage> SendHttpAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        if (_cookie is { } cookie)
        {
            request.Headers.Add("Cookie", $"{SessionCookieName}={cookie}");
        }
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException e) when (_certificates.RefusedThumbprint is not null)
        {
            throw CertificateRefused(e);
        }
    }

    /// <summary>Logs in again unless another caller already did since <paramref name="loginsSeen"/>.</summary>
    internal async Task ReloginAsync(int loginsSeen, CancellationToken cancellationToken)
    {
        await _loginLock.WaitAsync(cancellationToken);
        try
        {
            if (LoginCount != loginsSeen)
            {
                return;
            }
            _cookie = null;
            await LoginAsync(cancellationToken);
        }
        finally
        {
            _loginLock.Release();
        }
    }

    private const string SessionCookieName = "vmware_soap_session";

    private async Task LoginAsync(CancellationToken cancellationToken)
    {
        var response = await SendAsync("Login", ServiceContent.SessionManager,
            [Vim.El("userName", _options.Username), Vim.El("password", _options.Password)], cancellationToken);
        SessionKey = Vim.Text(ReturnValue(response), "key");
        _loggedIn = true;
        Interlocked.Increment(ref _logins);
    }

    private async void KeepAlive()
    {
        // Timer callbacks must not overlap or throw; a failure is logged and the next tick tries again (a
        // NotAuthenticated inside InvokeAsync has already logged in again).
        if (Interlocked.Exchange(ref _keepAliveRunning, 1) == 1 || !_loggedIn)
        {
            return;
        }
        try
        {
            await CurrentTimeAsync(_disposed.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_disposed.IsCancellationRequested)
        {
            Log.KeepAliveFailed(_logger, Url, e);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Volatile.Write(ref _keepAliveRunning, 0);
        }
    }

    private async Task<XElement> SendAsync(string method, ManagedObjectReference target, IReadOnlyList<XElement?> arguments, CancellationToken cancellationToken)
    {
        var body = new XElement(Vim.N(method), new XAttribute("xmlns", Vim.Ns.NamespaceName), Vim.Ref("_this", target), arguments);
        var envelope = new XElement(Vim.SoapEnv + "Envelope",
            new XAttribute(XNamespace.Xmlns + "soapenv", Vim.SoapEnv.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "xsd", Vim.Xsd.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "xsi", Vim.Xsi.NamespaceName),
            new XElement(Vim.SoapEnv + "Body", body));
        using var request = new HttpRequestMessage(HttpMethod.Post, Url)
        {
            Content = new StringContent("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + envelope.ToString(SaveOptions.DisableFormatting),
                System.Text.Encoding.UTF8, "text/xml"),
        };
        request.Headers.TryAddWithoutValidation("SOAPAction", _soapAction);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_options.RequestTimeout);
        long started = Stopwatch.GetTimestamp();
        XDocument document;
        HttpStatusCode status;
        try
        {
            using var response = await SendHttpAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            status = response.StatusCode;
            if (response.Headers.TryGetValues("Set-Cookie", out var cookies))
            {
                foreach (string cookie in cookies)
                {
                    if (cookie.StartsWith(SessionCookieName + "=", StringComparison.Ordinal))
                    {
                        string value = cookie[(SessionCookieName.Length + 1)..];
                        int end = value.IndexOf(';', StringComparison.Ordinal);
                        _cookie = end < 0 ? value : value[..end];
                    }
                }
            }
            string? mediaType = response.Content.Headers.ContentType?.MediaType;
            if (mediaType is not ("text/xml" or "application/soap+xml" or "application/xml"))
            {
                string text = await response.Content.ReadAsStringAsync(limit.Token);
                throw new HttpRequestException($"{method}: {Url} answered HTTP {(int)status} {mediaType}, not SOAP: {Truncate(text)}", null, status);
            }
            await using var stream = await response.Content.ReadAsStreamAsync(limit.Token);
            document = await XDocument.LoadAsync(stream, LoadOptions.None, limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} on {target}: no answer from {Url} within {_options.RequestTimeout}");
        }
        double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        XElement first = document.Root?.Element(Vim.SoapEnv + "Body")?.Elements().FirstOrDefault()
            ?? throw new FormatException($"{method}: the response from {Url} has no SOAP body");
        if (first.Name == Vim.SoapEnv + "Fault")
        {
            var fault = FaultParser.FromSoapFault(first, method);
            Log.CallFault(_logger, method, target, elapsed, fault.FaultType);
            throw fault;
        }
        Log.Call(_logger, method, target, elapsed);
        return first;
    }

    private VsphereCertificateException CertificateRefused(Exception inner)
    {
        string thumbprint = _certificates.RefusedThumbprint ?? "";
        return new VsphereCertificateException(
            $"refusing the certificate of {Url.Host}:{Url.Port} (SHA-1 thumbprint {thumbprint}): {_certificates.RefusalReason}",
            thumbprint, inner);
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
