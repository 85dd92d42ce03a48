using CotPipeline.Mail;

namespace CotPipeline.Tests.Mail;

public sealed class SmtpOptionsTests
{
    private static SmtpOptions Valid() => new() { Host = "localhost", From = "CoT review <review@example.org>" };

    [Fact]
    public void Problems_LocalServerDefaults_None()
    {
        var o = Valid();

        Assert.Empty(o.Problems());
        Assert.Equal(25, o.Port);
        Assert.Equal(SmtpTlsMode.None, o.EffectiveTls);
    }

    [Fact]
    public void EffectiveTls_UserSetAndModeUnset_StartTls()
    {
        var o = Valid();
        o.User = "mailer";
        o.Password = "secret";

        Assert.Equal(SmtpTlsMode.StartTls, o.EffectiveTls);
        Assert.Empty(o.Problems());
    }

    [Fact]
    public void Problems_MissingHostAndBadFrom_NameTheSettings()
    {
        var o = new SmtpOptions { From = "not an address", Port = 0 };

        var problems = o.Problems();

        Assert.Contains(problems, p => p.StartsWith("Smtp:Host is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Smtp:From \"not an address\" is not an e-mail address", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Smtp:Port is 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Problems_UserWithoutPasswordOverPlainText_BothNamedWithoutSecret()
    {
        var o = Valid();
        o.User = "mailer";
        o.UseTls = SmtpTlsMode.None;

        var problems = o.Problems();

        Assert.Contains(problems, p => p.StartsWith("Smtp:Password is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Smtp:UseTls is None while Smtp:User is set", StringComparison.Ordinal));
    }

    [Fact]
    public void Problems_RetriesLongerThanVisibilityTimeout_Named()
    {
        var o = Valid();
        o.MaxAttempts = 10;
        o.Timeout = TimeSpan.FromMinutes(1);

        var problem = Assert.Single(o.Problems());

        Assert.StartsWith("Smtp:MaxAttempts, Smtp:Timeout and Smtp:RetryDelay let one send take up to", problem);
    }

    [Fact]
    public void DelayBefore_Attempts_DoubleFromRetryDelay()
    {
        var o = Valid();
        o.RetryDelay = TimeSpan.FromSeconds(2);

        Assert.Equal([2, 4, 8], new[] { 2, 3, 4 }.Select(a => o.DelayBefore(a).TotalSeconds));
    }
}
