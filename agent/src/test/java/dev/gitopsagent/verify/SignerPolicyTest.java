package dev.gitopsagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.testing.GpgKey;
import dev.gitopsagent.testing.SshKey;
import dev.gitopsagent.testing.TestKeys;
import dev.gitopsagent.verify.Verdict.Reason;

/**
 * The signer policy in the repository ({@code gitops.trust.policy=repository}): every commit must be
 * signed by a key its parents' {@code trust/} authorizes; the host's keys only introduce the first.
 */
class SignerPolicyTest {

    @TempDir
    Path dir;

    TrustLab lab;
    SshKey alice = TestKeys.trustedSsh();
    SshKey bob;

    @BeforeEach
    void repositoryPolicy() {
        lab = new TrustLab(dir);
        lab.settings = new TrustSettings(VerifyScope.ALL, SignerPolicy.REPOSITORY, lab.settings.maxClockSkew());
        lab.trustSsh(line(alice, "alice@example.test"));
        bob = SshKey.generate(dir.resolve("bob"), "bob@example.test");
    }

    @AfterEach
    void close() {
        lab.close();
    }

    @Test
    void addsASignerWithACommitSignedByAnAuthorizedOne() {
        deployPolicy(line(alice, "alice@example.test"));
        String added = commitPolicy(alice, "add bob", line(alice, "alice@example.test"), line(bob, "bob@example.test"));
        String byBob = lab.commitSsh(bob.privateKey(), "bob's first change");

        PathVerdict verdict = lab.agentVerdict(byBob);

        assertThat(verdict).isInstanceOf(PathVerdict.Verified.class);
        SignersInForce signers = ((PathVerdict.Verified) verdict).signers();
        assertThat(signers.signers()).anySatisfy(signer -> assertThat(signer).startsWith("ssh bob@example.test SHA256:"));
        assertThat(signers.changedIn()).contains(added);
    }

    @Test
    void refusesASignerAddedBySomeoneTheParentDoesNotAuthorize() {
        deployPolicy(line(alice, "alice@example.test"));
        String selfAdded = commitPolicy(bob, "bob adds himself", line(alice, "alice@example.test"), line(bob, "bob@example.test"));

        assertRefused(lab.agentVerdict(selfAdded), selfAdded, Reason.NOT_AUTHORIZED);
    }

    @Test
    void removalTakesEffectFromThatCommitOnEvenWithinOneFetch() {
        deployPolicy(line(alice, "alice@example.test"), line(bob, "bob@example.test"));
        commitPolicy(alice, "remove bob", line(alice, "alice@example.test"));
        String byBob = lab.commitSsh(bob.privateKey(), "bob after his removal");
        String head = lab.commitSsh(alice.privateKey(), "alice on top");

        PathVerdict verdict = lab.agentVerdict(head);

        assertRefused(verdict, byBob, Reason.NOT_AUTHORIZED);
        assertThat(((PathVerdict.Refused) verdict).describe()).startsWith("commit " + byBob + " on the path from the deployed commit is")
                .contains("is not in the signer policy (trust/) of commit");
    }

    @Test
    void aRemovedKeyCannotPutItselfBack() {
        deployPolicy(line(alice, "alice@example.test"), line(bob, "bob@example.test"));
        commitPolicy(alice, "remove bob", line(alice, "alice@example.test"));
        String readded = commitPolicy(bob, "bob puts himself back", line(alice, "alice@example.test"), line(bob, "bob@example.test"));

        assertRefused(lab.agentVerdict(readded), readded, Reason.NOT_AUTHORIZED);
    }

    @Test
    void aMergeMustBeAuthorizedByEveryParentsPolicy() {
        deployPolicy(line(alice, "alice@example.test"), line(bob, "bob@example.test"));
        lab.repo.checkoutNewBranch("side");
        lab.commitSsh(bob.privateKey(), "bob's side work");
        lab.repo.checkout("main");
        commitPolicy(alice, "remove bob", line(alice, "alice@example.test"));
        String merge = lab.repo.mergeSigned("side", bob, "bob merges after his removal");

        assertRefused(lab.agentVerdict(merge), merge, Reason.NOT_AUTHORIZED);
    }

    @Test
    void aMalformedPolicyIsRefusedNamingTheCommitAndTheLine() {
        deployPolicy(line(alice, "alice@example.test"));
        String broken = commitPolicy(alice, "typo", line(alice, "alice@example.test"), "bob@example.test ssh-ed25519 not-base64!");

        PathVerdict verdict = lab.agentVerdict(broken);

        assertRefused(verdict, broken, Reason.POLICY_MALFORMED);
        assertThat(((PathVerdict.Refused) verdict).describe()).contains("commit " + broken).contains("trust/allowed_signers line 2");
    }

    @Test
    void aCommitThatDeletesThePolicyIsRefused() {
        deployPolicy(line(alice, "alice@example.test"));
        lab.repo.deleteFile("trust/allowed_signers");
        String deleted = lab.commitSsh(alice.privateKey(), "delete the policy");

        assertRefused(lab.agentVerdict(deleted), deleted, Reason.POLICY_MISSING);
    }

    @Test
    void theHostsKeysIntroduceTheFirstCommitWhenNothingIsDeployed() {
        lab.repo.writeFile("trust/allowed_signers", line(bob, "bob@example.test") + "\n");
        String byBob = lab.commitSsh(bob.privateKey(), "bob's policy, signed by bob");
        assertRefused(lab.agentVerdict(byBob), byBob, Reason.UNKNOWN_KEY);

        String byAlice = lab.commitSsh(alice.privateKey(), "the same policy, signed by the host's key");
        assertThat(lab.agentVerdict(byAlice)).isInstanceOf(PathVerdict.Verified.class);
    }

    @Test
    void authorizesOpenPgpKeysFromThePolicyDirectory() {
        deployPolicy(line(alice, "alice@example.test"));
        GpgKey carol = lab.gpgKey("carol");
        lab.repo.writeFile("trust/openpgp/carol.asc", carol.publicKeyArmored());
        lab.commitSsh(alice.privateKey(), "add carol's OpenPGP key");
        String byCarol = lab.repo.commitSigned(carol, "carol's change");

        PathVerdict verdict = lab.agentVerdict(byCarol);

        assertThat(verdict).isInstanceOf(PathVerdict.Verified.class);
        assertThat(((PathVerdict.Verified) verdict).signers().signers()).contains("openpgp carol <carol@example.test> " + carol.fingerprint());
    }

    private static String line(SshKey key, String principal) {
        return key.allowedSignersLine(principal);
    }

    /** The deployed commit carries this policy (how it got there was verified before). */
    private void deployPolicy(String... lines) {
        lab.repo.writeFile("trust/allowed_signers", String.join("\n", lines) + "\n");
        lab.baseline = java.util.Optional.of(lab.commitSsh(alice.privateKey(), "deployed policy"));
    }

    private String commitPolicy(SshKey signer, String message, String... lines) {
        lab.repo.writeFile("trust/allowed_signers", String.join("\n", lines) + "\n");
        return lab.commitSsh(signer.privateKey(), message);
    }

    private static void assertRefused(PathVerdict verdict, String commit, Reason reason) {
        assertThat(verdict).isInstanceOf(PathVerdict.Refused.class);
        Verdict.Refused refusal = ((PathVerdict.Refused) verdict).refusal();
        assertThat(refusal.reason()).as(refusal.describe()).isEqualTo(reason);
        assertThat(refusal.commit()).isEqualTo(commit);
    }
}
