package dev.gitopsagent.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * The keys one commit may be signed with: the host's configured keys, or the signer policy of a
 * parent commit. {@code source} names where they come from in refusals ("gitops.trust.openpgp-keys",
 * "the signer policy of commit 1a2b...").
 */
public record SignerSet(OpenPgpKeyring openPgp, AllowedSigners ssh, String openPgpSource, String sshSource) {

    /** One line per signer: "ssh alice@example.org SHA256:...", "openpgp Bob <bob@...> 3AA5...". */
    public List<String> describe() {
        List<String> out = new ArrayList<>(ssh.describe());
        out.addAll(openPgp.describe());
        return List.copyOf(out);
    }
}
