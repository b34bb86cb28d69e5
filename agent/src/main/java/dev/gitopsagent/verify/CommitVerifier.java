package dev.gitopsagent.verify;

import java.time.Instant;

import org.eclipse.jgit.lib.GpgConfig.GpgFormat;
import org.eclipse.jgit.lib.SignatureVerifiers;
import org.eclipse.jgit.revwalk.RevCommit;

import dev.gitopsagent.verify.Verdict.Reason;

/**
 * Judges one commit's signature against one {@link SignerSet}. A commit with no signature, or one
 * in a format the set has no keys for, is refused. Time bounds on the commit itself are the
 * {@link PathVerifier}'s job; the window is passed on for the signature's own creation time.
 */
final class CommitVerifier {

    private final OpenPgpVerifier openPgp = new OpenPgpVerifier();
    private final SshVerifier ssh = new SshVerifier();

    Verdict verify(RevCommit commit, SignerSet signers, TimeWindow window) {
        SignedCommit signed = SignedCommit.of(commit);
        if (!signed.isSigned()) {
            return new Verdict.Refused(signed.id(), Reason.UNSIGNED, null, null);
        }
        GpgFormat format = SignatureVerifiers.getFormat(signed.signature());
        if (format == GpgFormat.OPENPGP && !signers.openPgp().isEmpty()) {
            return openPgp.verify(signed, signers.openPgp(), signers.openPgpSource(), window);
        }
        if (format == GpgFormat.SSH && !signers.ssh().isEmpty()) {
            Instant committed = commit.getCommitterIdent().getWhenAsInstant();
            return ssh.verify(signed, signers.ssh(), signers.sshSource(), committed);
        }
        String name = format == null ? "unknown" : format.toConfigValue();
        return new Verdict.Refused(signed.id(), Reason.UNSUPPORTED_FORMAT, null,
                name + " signatures: no such keys in " + signers.openPgpSource() + " or " + signers.sshSource());
    }
}
