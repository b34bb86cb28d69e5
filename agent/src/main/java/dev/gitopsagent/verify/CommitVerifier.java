package dev.gitopsagent.verify;

import java.time.Clock;
import java.util.Optional;

import org.eclipse.jgit.lib.GpgConfig.GpgFormat;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.SignatureVerifiers;
import org.eclipse.jgit.revwalk.RevCommit;

import dev.gitopsagent.verify.Verdict.Reason;

/**
 * Judges one commit against the configured trust: OpenPGP keys and an SSH allowed_signers file.
 * A commit with no signature, or one in a format without configured keys, is refused.
 */
public final class CommitVerifier {

    private final OpenPgpVerifier openPgp;
    private final Optional<SshVerifier> ssh;
    private final boolean openPgpConfigured;
    private final Clock clock;

    public CommitVerifier(TrustAnchors anchors, Clock clock) {
        this.openPgp = new OpenPgpVerifier(anchors.openPgp());
        this.openPgpConfigured = !anchors.openPgp().isEmpty();
        this.ssh = anchors.allowedSigners().map(SshVerifier::new);
        this.clock = clock;
    }

    public Verdict verify(Repository repository, RevCommit commit) {
        SignedCommit signed = SignedCommit.of(commit);
        if (!signed.isSigned()) {
            return new Verdict.Refused(signed.id(), Reason.UNSIGNED, null, null);
        }
        GpgFormat format = SignatureVerifiers.getFormat(signed.signature());
        if (format == GpgFormat.OPENPGP && openPgpConfigured) {
            return openPgp.verify(signed, clock.instant());
        }
        if (format == GpgFormat.SSH && ssh.isPresent()) {
            return ssh.get().verify(repository, signed);
        }
        String name = format == null ? "unknown" : format.toConfigValue();
        return new Verdict.Refused(signed.id(), Reason.UNSUPPORTED_FORMAT, null,
                name + " signatures are not trusted by this host's configuration");
    }
}
