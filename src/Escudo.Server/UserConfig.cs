namespace Escudo.Server;

/// <summary>
/// A user who may sign in with a password, as Splunk's SDKs do (<c>POST /services/auth/login</c>,
/// then <c>Authorization: Splunk &lt;sessionKey&gt;</c>), or send HTTP Basic credentials. Users search;
/// they do not send events (HEC takes tokens only, as in Splunk).
/// </summary>
public sealed class UserConfig
{
    public string Username { get; set; } = string.Empty;

    public string Password { get; set; } = string.Empty;
}
