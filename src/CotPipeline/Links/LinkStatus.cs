namespace CotPipeline.Links;

/// <summary>The outcome of checking a review-link token.</summary>
public enum LinkStatus
{
    /// <summary>Signed by a current key, well formed and not expired.</summary>
    Valid,

    /// <summary>Not a token this format can read: wrong shape, bad base64url, too long, or ids that break the id rules.</summary>
    Malformed,

    /// <summary>Well formed, but the signature matches neither the signing key nor a previous key still in its grace period.</summary>
    BadSignature,

    /// <summary>Genuine, but its expiry has passed.</summary>
    Expired,
}
