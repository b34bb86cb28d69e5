package dev.gitopsagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.SshKey;
import dev.gitopsagent.testing.TestKeys;
import dev.gitopsagent.verify.Verdict.Reason;

/**
 * One {@link SshVerifier} judges every commit of a reconcile, and keeps each key it has read: what
 * it keeps must never carry a verdict over from one commit to another. Signatures by the real
 * {@code ssh-keygen -Y sign}.
 */
class SshVerifierTest {

    private static final Instant NOW = Instant.now();
    private static final String SOURCE = "gitops.trust.allowed-signers";

    @TempDir
    Path dir;

    private final SshVerifier verifier = new SshVerifier();

    @Test
    void checksEverySignatureOfAKeyItHasAlreadyRead() throws Exception {
        AllowedSigners trusted = AllowedSigners.parse(TestKeys.trustedSsh().allowedSignersLine("alice@example.test"));
        SignedCommit good = signed("aaaa", "tree 1\n", TestKeys.trustedSsh());
        assertThat(verifier.verify(good, trusted, SOURCE, NOW)).isInstanceOf(Verdict.Trusted.class);

        SignedCommit replayed = new SignedCommit("bbbb", "tree 2\n".getBytes(StandardCharsets.UTF_8), good.signature());
        assertThat(verifier.verify(replayed, trusted, SOURCE, NOW)).isInstanceOfSatisfying(Verdict.Refused.class,
                refused -> assertThat(refused.reason()).isEqualTo(Reason.BAD_SIGNATURE));
        assertThat(verifier.verify(good, trusted, SOURCE, NOW)).isInstanceOf(Verdict.Trusted.class);
    }

    @Test
    void judgesEachKeyAgainstTheSignersItIsGiven() throws Exception {
        SignedCommit commit = signed("aaaa", "tree 1\n", TestKeys.trustedSsh());
        AllowedSigners trusted = AllowedSigners.parse(TestKeys.trustedSsh().allowedSignersLine("alice@example.test"));
        AllowedSigners others = AllowedSigners.parse(TestKeys.untrustedSsh().allowedSignersLine("mallory@example.test"));
        assertThat(verifier.verify(commit, trusted, SOURCE, NOW)).isInstanceOf(Verdict.Trusted.class);

        assertThat(verifier.verify(commit, others, SOURCE, NOW)).isInstanceOfSatisfying(Verdict.Refused.class,
                refused -> assertThat(refused.reason()).isEqualTo(Reason.UNKNOWN_KEY));
        assertThat(verifier.verify(signed("cccc", "tree 3\n", TestKeys.untrustedSsh()), trusted, SOURCE, NOW))
                .isInstanceOfSatisfying(Verdict.Refused.class, refused -> assertThat(refused.reason()).isEqualTo(Reason.UNKNOWN_KEY));
    }

    @Test
    void commitsEachSignedByANewThrowawayKeyKeepTheCacheBounded() throws Exception {
        AllowedSigners trusted = AllowedSigners.parse(TestKeys.trustedSsh().allowedSignersLine("alice@example.test"));
        SshKey throwaway = SshKey.generate(dir.resolve("throwaway"), "mallory");
        for (int i = 0; i < SshVerifier.MAX_CACHED_KEYS + 20; i++) {
            // A new key each round, made by ssh-keygen over the previous one.
            Files.delete(throwaway.privateKey());
            Files.delete(throwaway.publicKey());
            throwaway = SshKey.generate(dir.resolve("throwaway"), "mallory " + i);
            assertThat(verifier.verify(signed("dddd", "tree " + i + "\n", throwaway), trusted, SOURCE, NOW))
                    .isInstanceOfSatisfying(Verdict.Refused.class, refused -> assertThat(refused.reason()).isEqualTo(Reason.UNKNOWN_KEY));
            assertThat(verifier.cachedKeys()).isLessThanOrEqualTo(SshVerifier.MAX_CACHED_KEYS);
        }
        assertThat(verifier.verify(signed("aaaa", "tree 1\n", TestKeys.trustedSsh()), trusted, SOURCE, NOW))
                .isInstanceOf(Verdict.Trusted.class);
    }

    private SignedCommit signed(String id, String payload, SshKey key) throws Exception {
        Path file = Files.createTempFile(dir, "payload", "");
        Files.writeString(file, payload);
        CommandLine.of("ssh-keygen", "-q", "-Y", "sign", "-n", "git", "-f", key.privateKey().toString(), file.toString()).runChecked();
        return new SignedCommit(id, payload.getBytes(StandardCharsets.UTF_8), Files.readAllBytes(Path.of(file + ".sig")));
    }
}
