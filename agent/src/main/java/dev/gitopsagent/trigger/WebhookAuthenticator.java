package dev.gitopsagent.trigger;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Function;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks that a webhook comes from the forge that knows the shared secret: GitHub, Gitea, Forgejo
 * and generic senders sign the raw body with HMAC-SHA256, GitLab sends the secret itself. Every
 * comparison is constant-time.
 */
public final class WebhookAuthenticator {

    /** The outcome of authenticating one request. */
    public sealed interface Verdict {
        record Authentic(String sender) implements Verdict {
        }

        record Rejected(String reason) implements Verdict {
        }
    }

    private static final String GITHUB = "X-Hub-Signature-256";
    private static final String GITEA = "X-Gitea-Signature";
    private static final String FORGEJO = "X-Forgejo-Signature";
    private static final String GITLAB = "X-Gitlab-Token";
    private static final String GENERIC = "X-Signature-256";

    private final byte[] secret;

    public WebhookAuthenticator(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code header} looks a request header up by name, case-insensitively, or returns null. */
    public Verdict authenticate(Function<String, String> header, byte[] body) {
        String forgejo = header.apply(FORGEJO);
        if (forgejo != null) {
            return checkHmac("forgejo", forgejo, body);
        }
        String gitea = header.apply(GITEA);
        if (gitea != null) {
            return checkHmac("gitea", gitea, body);
        }
        String github = header.apply(GITHUB);
        if (github != null) {
            return checkHmac("github", withoutPrefix(github), body);
        }
        String generic = header.apply(GENERIC);
        if (generic != null) {
            return checkHmac("generic", withoutPrefix(generic), body);
        }
        String gitlab = header.apply(GITLAB);
        if (gitlab != null) {
            return MessageDigest.isEqual(gitlab.getBytes(StandardCharsets.UTF_8), secret)
                    ? new Verdict.Authentic("gitlab") : new Verdict.Rejected("X-Gitlab-Token does not match");
        }
        return new Verdict.Rejected("no signature header (" + String.join(", ", GITHUB, GITEA, FORGEJO, GITLAB, GENERIC) + ")");
    }

    private Verdict checkHmac(String sender, String hex, byte[] body) {
        if (hex == null) {
            return new Verdict.Rejected(sender + " signature must start with sha256=");
        }
        byte[] offered;
        try {
            offered = HexFormat.of().parseHex(hex.strip().toLowerCase());
        } catch (IllegalArgumentException e) {
            return new Verdict.Rejected(sender + " signature is not hexadecimal");
        }
        return MessageDigest.isEqual(offered, hmac(body)) ? new Verdict.Authentic(sender)
                : new Verdict.Rejected(sender + " signature does not match the body");
    }

    public byte[] hmac(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
        }
    }

    private static String withoutPrefix(String value) {
        return value.startsWith("sha256=") ? value.substring("sha256=".length()) : null;
    }
}
