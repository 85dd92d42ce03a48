using System.Diagnostics.CodeAnalysis;

namespace CotPipeline.Links;

/// <summary>The result of <see cref="ReviewLinkSigner.Verify"/>: a status, and the link when the token was genuine (valid or expired).</summary>
public sealed record LinkVerification(LinkStatus Status, ReviewLink? Link)
{
    internal static readonly LinkVerification Malformed = new(LinkStatus.Malformed, null);
    internal static readonly LinkVerification BadSignature = new(LinkStatus.BadSignature, null);

    [MemberNotNullWhen(true, nameof(Link))]
    public bool IsValid => Status == LinkStatus.Valid;
}
