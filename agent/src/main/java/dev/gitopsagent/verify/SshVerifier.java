package dev.gitopsagent.verify;

import java.io.IOException;
import java.nio.file.Path;

import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.lib.GpgConfig;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.SignatureVerifier;
import org.eclipse.jgit.lib.SignatureVerifier.SignatureVerification;
import org.eclipse.jgit.signing.ssh.SshSignatureVerifierFactory;

import dev.gitopsagent.verify.Verdict.Reason;

/**
 * Checks an SSH commit signature (namespace {@code git}) with JGit's verifier, pointed at the
 * configured allowed_signers file and nothing from the repository's own config.
 */
final class SshVerifier {

    private final SignatureVerifier verifier = new SshSignatureVerifierFactory().create();
    private final GpgConfig trust;

    SshVerifier(Path allowedSigners) {
        Config config = new Config();
        config.setString(ConfigConstants.CONFIG_GPG_SECTION, ConfigConstants.CONFIG_SSH_SUBSECTION,
                ConfigConstants.CONFIG_KEY_SSH_ALLOWED_SIGNERS_FILE, allowedSigners.toAbsolutePath().toString());
        this.trust = new GpgConfig(config);
    }

    Verdict verify(Repository repository, SignedCommit commit) {
        SignatureVerification result;
        try {
            result = verifier.verify(repository, trust, commit.payload(), commit.signature());
        } catch (IOException | RuntimeException e) {
            return new Verdict.Refused(commit.id(), Reason.BAD_SIGNATURE, null, "unreadable SSH signature: " + e.getMessage());
        }
        if (result == null) {
            return new Verdict.Refused(commit.id(), Reason.BAD_SIGNATURE, null, "unreadable SSH signature");
        }
        String key = result.keyFingerprint();
        String signer = result.signer() != null ? result.signer() : result.keyUser();
        if (result.verified() && !result.expired()) {
            return new Verdict.Trusted(commit.id(), SignatureFormat.SSH, signer, key);
        }
        if (result.expired()) {
            return new Verdict.Refused(commit.id(), Reason.EXPIRED_KEY, signer, "SSH key " + key);
        }
        if (signer == null) {
            return new Verdict.Refused(commit.id(), Reason.UNKNOWN_KEY, null,
                    "SSH key " + key + " is not in gitops.trust.allowed-signers" + detail(result));
        }
        return new Verdict.Refused(commit.id(), Reason.BAD_SIGNATURE, signer, "SSH key " + key + detail(result));
    }

    private static String detail(SignatureVerification result) {
        return result.message() == null ? "" : " (" + result.message() + ")";
    }
}
