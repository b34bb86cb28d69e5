package dev.gitopsagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Date;
import java.util.function.Function;
import java.util.stream.Stream;

import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.GpgKey;
import dev.gitopsagent.testing.ProcessResult;
import dev.gitopsagent.testing.SshKey;
import dev.gitopsagent.testing.TestKeys;
import dev.gitopsagent.verify.Verdict.Reason;

/**
 * Every way found to make the agent deploy a commit that it should not, one row each, next to the
 * rows that must keep passing. Keys come from the real gpg and ssh-keygen; where neither will make
 * the signature an attacker would (a signature by a key that may not sign, a SHA-1 SSH signature),
 * it is made from their keys with BouncyCastle or MINA sshd. Each row also asks {@code git
 * verify-commit}, with exactly the keys the agent trusts, and states why when the two disagree.
 */
class TrustAttackTest {

    /** The agent's expected verdict: null for trusted, else the refusal reason. */
    record Row(String attack, Function<TrustLab, String> scenario, Reason refused, boolean gitAccepts, String whyTheyDiffer) {
        @Override
        public String toString() {
            return attack;
        }
    }

    private static final String SAME = "";

    static Stream<Arguments> rows() {
        return Stream.of(
                // --- must keep passing ---
                row("SSH key listed in allowed_signers", TrustAttackTest::sshSigned, null, true, SAME),
                row("OpenPGP primary key flagged for signing", TrustAttackTest::openPgpPrimary, null, true, SAME),
                row("OpenPGP signing subkey, bound and cross-certified", TrustAttackTest::openPgpSigningSubkey, null, true, SAME),
                row("SSH certificate valid at the commit date", lab -> certificateSigned(lab, "-5m:+1h", null), null, true, SAME),
                row("signed merge of a signed side branch", lab -> merge(lab, true), null, true, SAME),
                row("key carrying a revocation signed by another key", TrustAttackTest::forgedRevocation, null, true, SAME),
                row("signed merge of an unsigned side branch with gitops.trust.verify=first-parent", lab -> {
                    lab.settings = new TrustSettings(VerifyScope.FIRST_PARENT, SignerPolicy.HOST, lab.settings.maxClockSkew());
                    return merge(lab, false);
                }, null, true, SAME),
                // --- attacks ---
                row("unsigned commit", lab -> lab.deployed().trustSsh(alice()).repo.commitUnsigned("unsigned"), Reason.UNSIGNED, false, SAME),
                row("SSH key not in allowed_signers", lab -> lab.deployed().trustSsh(alice()).commitSsh(TestKeys.untrustedSsh().privateKey(), "x"),
                        Reason.UNKNOWN_KEY, false, SAME),
                row("encryption-only subkey (rsa2048 encr, signature forged with its secret key)", TrustAttackTest::encryptionSubkey,
                        Reason.SUBKEY_NOT_FOR_SIGNING, false, SAME),
                row("certify-only primary key (signature forged with its secret key)", TrustAttackTest::certifyOnlyPrimary,
                        Reason.PRIMARY_NOT_FOR_SIGNING, false, SAME),
                row("signing subkey whose binding signature was stripped", TrustAttackTest::strippedBinding, Reason.UNBOUND_KEY, false, SAME),
                row("signing subkey bound without a primary-key binding (back-)signature", TrustAttackTest::missingBackSignature,
                        Reason.MISSING_BACK_SIGNATURE, false, SAME),
                row("revoked primary key (gpg's own revocation certificate)", TrustAttackTest::revokedPrimary, Reason.REVOKED_KEY, false, SAME),
                row("revoked signing subkey (gpg --edit-key revkey)", TrustAttackTest::revokedSubkey, Reason.REVOKED_KEY, false, SAME),
                row("expired OpenPGP key (valid when it signed)", lab -> lab.deployed().trustOpenPgp(TestKeys.expiredGpg())
                        .repo.commitSigned(TestKeys.expiredGpg(), "old key"), Reason.EXPIRED_KEY, false, SAME),
                row("OpenPGP signature over SHA-1 (gpg --digest-algo SHA1)", TrustAttackTest::sha1OpenPgp, Reason.WEAK_HASH, true,
                        "gpg 2.2 still accepts SHA-1 data signatures"),
                row("SSH signature over sha1 (forged: ssh-keygen only makes sha256/sha512)", TrustAttackTest::sha1Ssh, Reason.WEAK_HASH, false,
                        SAME),
                row("SSH signature whose Ed25519 scalar is not reduced (a second signature for a message alice signed)",
                        TrustAttackTest::unreducedScalarSsh, Reason.BAD_SIGNATURE, true,
                        "OpenSSH accepts a scalar up to 2^253; the agent requires it below the group order (RFC 8032), so each signed message has one signature"),
                row("allowed_signers lists an Ed25519 key of order 1 (the identity point), for which anyone can sign",
                        TrustAttackTest::identityKeySsh, Reason.BAD_SIGNATURE, true,
                        "OpenSSH does not check the key's order; the agent requires a key of the prime-order group"),
                row("expired SSH certificate, commit dated now", lab -> certificateSigned(lab, "20200101:20200102", null),
                        Reason.EXPIRED_CERTIFICATE, false, SAME),
                row("expired SSH certificate, commit backdated into its validity", lab -> certificateSigned(lab, "20200101:20200102",
                        "2020-01-01T12:00:00Z"), Reason.BACKDATED, true,
                        "git judges the certificate at the committer date, which the signer chose; the agent refuses dates before the deployed commit"),
                row("commit backdated before the deployed commit", lab -> {
                    lab.deployed().trustSsh(alice());
                    lab.repo.dated("2021-06-01T00:00:00Z");
                    return lab.commitSsh(TestKeys.trustedSsh().privateKey(), "backdated");
                }, Reason.BACKDATED, true, "git does not compare commit dates"),
                row("committer date far in the future", lab -> {
                    lab.deployed().trustSsh(alice());
                    lab.repo.dated("2031-01-01T00:00:00Z");
                    return lab.commitSsh(TestKeys.trustedSsh().privateKey(), "from the future");
                }, Reason.COMMIT_FROM_FUTURE, true, "git does not compare commit dates with the clock"),
                row("OpenPGP signature made in the future (gpg --faked-system-time)", TrustAttackTest::futureSignature,
                        Reason.SIGNATURE_FROM_FUTURE, true, "gpg 2.2 warns about a signature from the future but reports it good"),
                row("signed merge of an unsigned side branch", lab -> merge(lab, false), Reason.UNSIGNED, true,
                        "git verify-commit checks only the merge commit it is given; the agent checks every commit the merge brings in"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void judgesLikeThis(Row row, @TempDir Path dir) throws Exception {
        try (TrustLab lab = new TrustLab(dir)) {
            String candidate = row.scenario().apply(lab);

            PathVerdict verdict = lab.agentVerdict(candidate);
            ProcessResult git = lab.gitVerdict(candidate);

            if (row.refused() == null) {
                assertThat(verdict).as("agent verdict").isInstanceOf(PathVerdict.Verified.class);
            } else {
                assertThat(verdict).as("agent verdict").isInstanceOf(PathVerdict.Refused.class);
                PathVerdict.Refused refused = (PathVerdict.Refused) verdict;
                assertThat(refused.reason()).as(refused.describe()).isEqualTo(row.refused());
                assertThat(refused.describe()).startsWith(refused.refusal().commit().equals(candidate) ? row.refused().text() : "commit ");
            }
            assertThat(git.exitCode() == 0).as("git verify-commit accepts (" + git.stderr().strip() + ")").isEqualTo(row.gitAccepts());
            boolean agentAccepts = verdict instanceof PathVerdict.Verified;
            assertThat(agentAccepts == row.gitAccepts()).as("a row where the agent and git disagree says why").isEqualTo(row.whyTheyDiffer().isEmpty());
        }
    }

    private static Arguments row(String attack, Function<TrustLab, String> scenario, Reason refused, boolean gitAccepts, String why) {
        return Arguments.of(new Row(attack, scenario, refused, gitAccepts, why));
    }

    private static String alice() {
        return TestKeys.trustedSsh().allowedSignersLine("alice@example.test");
    }

    private static String sshSigned(TrustLab lab) {
        lab.deployed().trustSsh(alice());
        return lab.commitSsh(TestKeys.trustedSsh().privateKey(), "signed");
    }

    private static String openPgpPrimary(TrustLab lab) {
        GpgKey key = lab.gpgKey("primary");
        lab.deployed().trustOpenPgp(key);
        return lab.repo.commitSigned(key, "signed by the primary key");
    }

    private static String openPgpSigningSubkey(TrustLab lab) {
        GpgKey key = lab.gpgKey("subkey");
        String subkey = TrustLab.addSubkey(key, "ed25519", "sign");
        lab.deployed().trustOpenPgp(key);
        return lab.commitOpenPgp(key.signingProgram(), subkey + "!", "signed by the subkey");
    }

    private static String merge(TrustLab lab, boolean signSide) {
        lab.deployed().trustSsh(alice());
        lab.repo.checkoutNewBranch("side");
        if (signSide) {
            lab.commitSsh(TestKeys.trustedSsh().privateKey(), "side work, signed");
        } else {
            lab.repo.commitUnsigned("side work, unsigned");
        }
        lab.repo.checkout("main");
        lab.commitSsh(TestKeys.trustedSsh().privateKey(), "main work");
        return lab.repo.mergeSigned("side", TestKeys.trustedSsh(), "merge side");
    }

    private static String forgedRevocation(TrustLab lab) {
        GpgKey victim = lab.gpgKey("victim");
        GpgKey forger = lab.gpgKey("forger");
        Path exported = victim.exportPublic(lab.dir.resolve("victim.asc"));
        PGPSecretKeyRing forgerKeys = OpenPgpForge.secretKeys(forger.gnupgHome(), forger.fingerprint());
        Path tampered = OpenPgpForge.write(OpenPgpForge.withForgedRevocation(OpenPgpForge.publicKeys(exported), forgerKeys),
                lab.dir.resolve("victim-with-forged-revocation.asc"));
        lab.deployed().trustOpenPgp(tampered);
        return lab.repo.commitSigned(victim, "signed by a key someone else claims is revoked");
    }

    private static String encryptionSubkey(TrustLab lab) {
        GpgKey key = lab.gpgKey("encr");
        String subkey = TrustLab.addSubkey(key, "rsa2048", "encr");
        lab.deployed().trustOpenPgp(key);
        return forgedBy(lab, key, subkey, HashAlgorithmTags.SHA256, "signed by the encryption subkey");
    }

    private static String certifyOnlyPrimary(TrustLab lab) {
        GpgKey key = lab.gpgKey("cert-only-base");
        GpgKey.gpg(key.gnupgHome(), "--quick-gen-key", "Cert Only <cert-only@example.test>", "ed25519", "cert", "0").runChecked();
        String primary = GpgKey.gpg(key.gnupgHome(), "--with-colons", "--list-keys", "cert-only@example.test").runChecked().stdout()
                .lines().filter(line -> line.startsWith("fpr:")).findFirst().orElseThrow().split(":")[9];
        Path exported = lab.dir.resolve("cert-only.asc");
        try {
            Files.writeString(exported, GpgKey.gpg(key.gnupgHome(), "--armor", "--export", primary).runChecked().stdout());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        lab.deployed().trustOpenPgp(exported);
        PGPSecretKeyRing secrets = OpenPgpForge.secretKeys(key.gnupgHome(), primary);
        return lab.repo.commitWithSignature("signed by a certify-only primary key",
                payload -> OpenPgpForge.sign(secrets, secrets.getSecretKey().getKeyID(), HashAlgorithmTags.SHA256, new Date(), payload));
    }

    private static String strippedBinding(TrustLab lab) {
        GpgKey key = lab.gpgKey("stripped");
        String subkey = TrustLab.addSubkey(key, "ed25519", "sign");
        Path exported = key.exportPublic(lab.dir.resolve("full.asc"));
        lab.deployed().trustOpenPgp(OpenPgpForge.write(OpenPgpForge.withoutSubkeyBindings(OpenPgpForge.publicKeys(exported)),
                lab.dir.resolve("stripped.asc")));
        return lab.commitOpenPgp(key.signingProgram(), subkey + "!", "signed by a subkey nobody bound");
    }

    private static String missingBackSignature(TrustLab lab) {
        GpgKey key = lab.gpgKey("no-backsig");
        String subkey = TrustLab.addSubkey(key, "ed25519", "sign");
        Path exported = key.exportPublic(lab.dir.resolve("full.asc"));
        PGPSecretKeyRing secrets = OpenPgpForge.secretKeys(key.gnupgHome(), key.fingerprint());
        lab.deployed().trustOpenPgp(OpenPgpForge.write(
                OpenPgpForge.withBindingsLackingBackSignature(OpenPgpForge.publicKeys(exported), secrets), lab.dir.resolve("no-backsig.asc")));
        return lab.commitOpenPgp(key.signingProgram(), subkey + "!", "signed by a subkey that never agreed to be bound");
    }

    private static String revokedPrimary(TrustLab lab) {
        GpgKey key = lab.gpgKey("revoked");
        String commit = lab.deployed().repo.commitSigned(key, "signed, then the key is revoked");
        try {
            Path certificate = key.gnupgHome().resolve("openpgp-revocs.d").resolve(key.fingerprint() + ".rev");
            Path usable = lab.dir.resolve("revocation.asc");
            Files.writeString(usable, Files.readString(certificate).replace(":-----BEGIN", "-----BEGIN"));
            GpgKey.gpg(key.gnupgHome(), "--import", usable.toString()).runChecked();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        lab.trustOpenPgp(key);
        return commit;
    }

    private static String revokedSubkey(TrustLab lab) {
        GpgKey key = lab.gpgKey("revoked-subkey");
        String subkey = TrustLab.addSubkey(key, "ed25519", "sign");
        lab.deployed();
        String commit = lab.commitOpenPgp(key.signingProgram(), subkey + "!", "signed by the subkey, then it is revoked");
        GpgKey.gpg(key.gnupgHome(), "--command-fd", "0", "--status-fd", "2", "--edit-key", key.fingerprint())
                .stdin("key 1\nrevkey\ny\n1\n\ny\nsave\n").runChecked();
        lab.trustOpenPgp(key);
        return commit;
    }

    private static String sha1OpenPgp(TrustLab lab) {
        GpgKey key = lab.gpgKey("sha1");
        lab.deployed().trustOpenPgp(key);
        return lab.commitOpenPgp(lab.gpgProgram(key, "sha1", "--digest-algo SHA1"), key.fingerprint(), "signed over SHA-1");
    }

    private static String futureSignature(TrustLab lab) {
        GpgKey key = lab.gpgKey("future");
        lab.deployed().trustOpenPgp(key);
        return lab.commitOpenPgp(lab.gpgProgram(key, "future", "--faked-system-time 20310101T000000!"), key.fingerprint(),
                "signed in 2031");
    }

    private static String sha1Ssh(TrustLab lab) {
        lab.deployed().trustSsh(alice());
        return lab.repo.commitWithSignature("signed over sha1", payload -> SshForge.sign(TestKeys.trustedSsh().privateKey(), "sha1", payload));
    }

    private static String unreducedScalarSsh(TrustLab lab) {
        lab.deployed().trustSsh(alice());
        return lab.repo.commitWithSignature("second signature", payload -> SshForge.signWithUnreducedScalar(TestKeys.trustedSsh().privateKey(), payload));
    }

    private static String identityKeySsh(TrustLab lab) {
        lab.deployed().trustSsh("alice@example.test ssh-ed25519 " + Base64.getEncoder().encodeToString(SshForge.identityKeyBlob()));
        return lab.repo.commitWithSignature("signed by nobody", payload -> SshForge.signWithIdentityKey());
    }

    /** An SSH certificate from a CA the host trusts, valid for {@code validity} (ssh-keygen -V), used to sign a commit dated {@code date}. */
    private static String certificateSigned(TrustLab lab, String validity, String date) {
        SshKey ca = SshKey.generate(lab.dir.resolve("ca"), "ca");
        SshKey user = SshKey.generate(lab.dir.resolve("user"), "alice");
        CommandLine.of("ssh-keygen", "-q", "-s", ca.privateKey().toString(), "-I", "alice-cert", "-n", "alice@example.test", "-V", validity,
                user.publicKey().toString()).runChecked();
        lab.deployed().trustSsh("alice@example.test cert-authority,namespaces=\"git\" " + ca.keyTypeAndBlob());
        lab.repo.dated(date);
        return lab.commitSsh(lab.dir.resolve("user").resolve("id_ed25519-cert.pub"), "signed with a certificate");
    }

    private static String forgedBy(TrustLab lab, GpgKey key, String subkeyFingerprint, int hash, String message) {
        PGPSecretKeyRing secrets = OpenPgpForge.secretKeys(key.gnupgHome(), key.fingerprint());
        long keyId = Long.parseUnsignedLong(subkeyFingerprint.substring(24), 16);
        return lab.repo.commitWithSignature(message, payload -> OpenPgpForge.sign(secrets, keyId, hash, new Date(), payload));
    }
}
