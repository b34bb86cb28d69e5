package dev.gitopsagent.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Proves the test infrastructure itself is real and works: servers, keys, signed commits, the nixos-rebuild double. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TestInfrastructureTest {

    Path tmp;
    GpgKey gpgKey;
    GpgKey expiredGpgKey;
    SshKey sshSigningKey;
    SshKey sshLoginKey;
    WorkRepo work;
    Path reposRoot;
    Path bare;
    String gpgSignedCommit;
    String sshSignedCommit;
    GitHttpServer http;
    GitSshServer ssh;

    @BeforeAll
    void createSignedHistoryAndServers(@TempDir Path tmp) {
        this.tmp = tmp;
        gpgKey = GpgKey.generate(tmp.resolve("gnupg"), "Alice Admin", "alice@example.test");
        expiredGpgKey = GpgKey.generateExpired(tmp.resolve("gnupg"), "Old Key", "old@example.test");
        sshSigningKey = SshKey.generate(tmp.resolve("ssh-signing"), "bob@example.test");
        sshLoginKey = SshKey.generate(tmp.resolve("ssh-login"), "agent@host");

        reposRoot = tmp.resolve("repos");
        bare = WorkRepo.initBare(reposRoot.resolve("fleet.git"));
        work = WorkRepo.init(tmp.resolve("work"), "main");
        SampleFlake.writeHost(work, "web1");
        gpgSignedCommit = work.commitSigned(gpgKey, "add web1");
        SampleFlake.writeHost(work, "db1");
        sshSignedCommit = work.commitSigned(sshSigningKey, "add db1");
        work.push(bare);

        http = GitHttpServer.start(reposRoot);
        ssh = GitSshServer.start(reposRoot).authorize(sshLoginKey.publicKey());
    }

    @AfterAll
    void closeEverything() {
        for (AutoCloseable resource : new AutoCloseable[] {http, ssh, work, gpgKey, expiredGpgKey}) {
            if (resource != null) {
                try {
                    resource.close();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot close " + resource, e);
                }
            }
        }
    }

    @Test
    void jgitClonesGpgAndSshSignedCommitsOverSmartHttp() throws Exception {
        try (Git clone = Git.cloneRepository()
                .setURI(http.url("fleet.git").toString())
                .setDirectory(tmp.resolve("http-clone").toFile())
                .call()) {
            assertSignedHistory(clone);
        }
        assertThat(http.protocolV2RequestCount()).as("JGit negotiates protocol v2 through git http-backend").isPositive();
    }

    @Test
    void jgitClonesGpgAndSshSignedCommitsOverSsh() throws Exception {
        Path knownHosts = ssh.writeKnownHosts(tmp.resolve("client/known_hosts"));
        try (JGitSshClient client = JGitSshClient.create(tmp.resolve("client"), sshLoginKey, knownHosts);
                Git clone = client.configure(Git.cloneRepository())
                        .setURI(ssh.url("fleet.git").toString())
                        .setDirectory(tmp.resolve("ssh-clone").toFile())
                        .call()) {
            assertSignedHistory(clone);
        }
        assertThat(ssh.protocolV2CommandCount()).as("JGit asks for protocol v2 via the SSH env request").isPositive();
    }

    @Test
    void sshServerRejectsKeysItWasNotToldToAuthorize() {
        SshKey stranger = SshKey.generate(tmp.resolve("ssh-stranger"), "stranger");
        Path knownHosts = ssh.writeKnownHosts(tmp.resolve("stranger-client/known_hosts"));
        try (JGitSshClient client = JGitSshClient.create(tmp.resolve("stranger-client"), stranger, knownHosts)) {
            assertThatThrownBy(() -> client.configure(Git.lsRemoteRepository()).setRemote(ssh.url("fleet.git").toString()).call())
                    .isInstanceOf(TransportException.class);
        }
    }

    @Test
    void sshServerRefusesPathsOutsideTheReposRoot() {
        Path knownHosts = ssh.writeKnownHosts(tmp.resolve("escape-client/known_hosts"));
        try (JGitSshClient client = JGitSshClient.create(tmp.resolve("escape-client"), sshLoginKey, knownHosts)) {
            assertThatThrownBy(() -> client.configure(Git.lsRemoteRepository())
                    .setRemote(ssh.url("../work").toString()).call())
                    .hasMessageContaining("does not appear to be a git repository");
        }
    }

    @Test
    void gitVerifyCommitAcceptsTheGpgSignatureWithTheSignersKeyring() {
        ProcessResult result = work.tryGit(args(gpgKey.gitVerifyConfig(), "verify-commit", "--raw", gpgSignedCommit));

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stderr()).contains("GOODSIG " + gpgKey.longKeyId()).contains("VALIDSIG " + gpgKey.fingerprint());
    }

    @Test
    void gitVerifyCommitAcceptsTheSshSignatureWithAllowedSigners() {
        Path allowedSigners = SshKey.writeAllowedSigners(tmp.resolve("allowed_signers"),
                sshSigningKey.allowedSignersLine("bob@example.test"));

        ProcessResult result = work.tryGit(args(SshKey.gitVerifyConfig(allowedSigners), "verify-commit", sshSignedCommit));

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stderr()).contains("Good \"git\" signature for bob@example.test with ED25519 key");
    }

    @Test
    void gitVerifyCommitRejectsAnSshSignatureFromAKeyNotInAllowedSigners() {
        Path allowedSigners = SshKey.writeAllowedSigners(tmp.resolve("other_allowed_signers"),
                sshLoginKey.allowedSignersLine("someone-else"));

        ProcessResult result = work.tryGit(args(SshKey.gitVerifyConfig(allowedSigners), "verify-commit", sshSignedCommit));

        assertThat(result.exitCode()).isNotZero();
    }

    @Test
    void expiredGpgKeyStillSignsButVerificationReportsItExpired() throws IOException {
        try (WorkRepo side = WorkRepo.init(tmp.resolve("expired-work"), "main")) {
            String commit = side.writeFile("README", "old\n").commitSigned(expiredGpgKey, "signed by an expired key");

            ProcessResult result = side.tryGit(args(expiredGpgKey.gitVerifyConfig(), "verify-commit", "--raw", commit));

            assertThat(result.stderr()).contains("EXPKEYSIG " + expiredGpgKey.longKeyId());
            assertThat(expiredGpgKey.exportPublic(tmp.resolve("expired.asc"))).content()
                    .startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----");
        }
    }

    @Test
    void signedMergeOfASideBranchIsANoFastForwardMergeCommit() {
        try (WorkRepo side = WorkRepo.init(tmp.resolve("merge-work"), "main")) {
            side.writeFile("a", "1").commitSigned(gpgKey, "base");
            side.checkoutNewBranch("feature").writeFile("b", "2").commitSigned(sshSigningKey, "feature");
            side.checkout("main");

            String merge = side.mergeSigned("feature", gpgKey, "merge feature");

            assertThat(side.git("rev-list", "--parents", "-n", "1", merge).trim().split(" ")).hasSize(3);
            assertThat(side.tryGit(args(gpgKey.gitVerifyConfig(), "verify-commit", merge)).exitCode()).isZero();
        }
    }

    @Test
    void httpServerStopRefusesConnectionsAndRestartServesAgainOnTheSamePort() throws Exception {
        String url = http.url("fleet.git").toString();
        int port = http.port();
        try {
            http.stop();
            assertThatThrownBy(() -> Git.lsRemoteRepository().setRemote(url).call()).isInstanceOf(TransportException.class);
        } finally {
            http.restart();
        }
        assertThat(http.port()).isEqualTo(port);
        assertThat(headsOf(Git.lsRemoteRepository().setRemote(url).call())).contains(sshSignedCommit);
    }

    @Test
    void sshServerStopRefusesConnectionsAndRestartServesAgain() throws Exception {
        Path knownHosts = ssh.writeKnownHosts(tmp.resolve("restart-client/known_hosts"));
        try (JGitSshClient client = JGitSshClient.create(tmp.resolve("restart-client"), sshLoginKey, knownHosts)) {
            String url = ssh.url("fleet.git").toString();
            try {
                ssh.stop();
                assertThatThrownBy(() -> client.configure(Git.lsRemoteRepository()).setRemote(url).call())
                        .isInstanceOf(TransportException.class);
            } finally {
                ssh.restart();
            }
            assertThat(headsOf(client.configure(Git.lsRemoteRepository()).setRemote(url).call())).contains(sshSignedCommit);
        }
    }

    @Test
    void httpServerCountsRequestsAndBytesOnTheWire() throws Exception {
        try (GitHttpServer counted = GitHttpServer.start(reposRoot)) {
            Git.lsRemoteRepository().setRemote(counted.url("fleet.git").toString()).call();

            assertThat(counted.requestCount()).isPositive();
            assertThat(counted.bytesSent()).isPositive();
            counted.resetCounters();
            assertThat(counted.requestCount()).isZero();
            assertThat(counted.bytesSent()).isZero();
        }
    }

    @Test
    void httpServerWithBasicAuthRejectsAnonymousAndAcceptsTheRightCredentials() throws Exception {
        try (GitHttpServer guarded = GitHttpServer.start(reposRoot)) {
            guarded.requireBasicAuth("deploy", "s3cret");
            String url = guarded.url("fleet.git").toString();

            assertThatThrownBy(() -> Git.lsRemoteRepository().setRemote(url).call())
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("Authentication is required");
            Collection<Ref> refs = Git.lsRemoteRepository().setRemote(url)
                    .setCredentialsProvider(new UsernamePasswordCredentialsProvider("deploy", "s3cret")).call();
            assertThat(headsOf(refs)).contains(sshSignedCommit);
        }
    }

    private void assertSignedHistory(Git clone) throws IOException {
        assertThat(clone.getRepository().resolve("HEAD").name()).isEqualTo(sshSignedCommit);
        try (RevWalk walk = new RevWalk(clone.getRepository())) {
            RevCommit sshSigned = walk.parseCommit(clone.getRepository().resolve(sshSignedCommit));
            RevCommit gpgSigned = walk.parseCommit(clone.getRepository().resolve(gpgSignedCommit));
            assertThat(new String(sshSigned.getRawGpgSignature())).startsWith("-----BEGIN SSH SIGNATURE-----");
            assertThat(new String(gpgSigned.getRawGpgSignature())).startsWith("-----BEGIN PGP SIGNATURE-----");
        }
    }

    private static java.util.List<String> headsOf(Collection<Ref> refs) {
        return refs.stream().map(ref -> ref.getObjectId().name()).toList();
    }

    private static String[] args(java.util.List<String> config, String... rest) {
        java.util.List<String> all = new java.util.ArrayList<>(config);
        all.addAll(java.util.List.of(rest));
        return all.toArray(String[]::new);
    }

    /** The nixos-rebuild double behaves like the real CLI for everything the agent relies on. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_METHOD)
    class NixosRebuildDoubleBehaviour {

        @TempDir
        Path dir;

        NixosRebuildDouble nixosRebuild;

        @org.junit.jupiter.api.BeforeEach
        void install() {
            nixosRebuild = NixosRebuildDouble.install(dir.resolve("double"));
        }

        @org.junit.jupiter.api.AfterEach
        void killLeftoverBuilds() {
            nixosRebuild.close();
        }

        String flake(String rev, String host) {
            return "git+file://" + bare + "?rev=" + rev + "#" + host;
        }

        @Test
        void switchCreatesANewGenerationAndActivatesTheRevision() {
            ProcessResult result = nixosRebuild.run(dir, "switch", "--flake", flake(sshSignedCommit, "web1"), "--no-update-lock-file", "--no-write-lock-file", "-L");

            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stderr()).contains("building the system configuration...", "activating the configuration...");
            assertThat(nixosRebuild.generations()).containsExactly(1);
            assertThat(nixosRebuild.currentGeneration()).isEqualTo(1);
            assertThat(nixosRebuild.runningRevision()).contains(sshSignedCommit);
            assertThat(nixosRebuild.invocations())
                    .containsExactly("nixos-rebuild switch --flake " + flake(sshSignedCommit, "web1") + " --no-update-lock-file --no-write-lock-file -L");
        }

        @Test
        void refusesAFlakeBuildThatMayUpdateOrWriteTheLockFile() {
            ProcessResult mayUpdate = nixosRebuild.run(dir, "build", "--flake", flake(gpgSignedCommit, "web1"), "--no-write-lock-file");
            ProcessResult mayWrite = nixosRebuild.run(dir, "switch", "--flake", flake(gpgSignedCommit, "web1"), "--no-update-lock-file");

            assertThat(mayUpdate.exitCode()).isEqualTo(1);
            assertThat(mayUpdate.stderr()).contains("pass --no-update-lock-file");
            assertThat(mayWrite.exitCode()).isEqualTo(1);
            assertThat(mayWrite.stderr()).contains("pass --no-write-lock-file");
            assertThat(nixosRebuild.generations()).isEmpty();
        }

        @Test
        void buildLeavesAResultLinkAndChangesNothingElse() throws IOException {
            ProcessResult result = nixosRebuild.run(dir, "build", "--flake", flake(gpgSignedCommit, "web1"), "--no-update-lock-file", "--no-write-lock-file");

            assertThat(result.exitCode()).as(result.stderr()).isZero();
            Path system = Files.readSymbolicLink(dir.resolve("result"));
            assertThat(system.getParent()).isEqualTo(nixosRebuild.storeDir());
            assertThat(system.getFileName().toString()).matches("[0-9a-z]{32}-nixos-system-web1-" + gpgSignedCommit.substring(0, 12));
            assertThat(system.resolve("etc/gitops-agent/revision")).hasContent(gpgSignedCommit);
            assertThat(nixosRebuild.generations()).isEmpty();
            assertThat(nixosRebuild.runningRevision()).isEmpty();
        }

        @Test
        void bootChangesTheProfileButNotTheRunningSystemAndTestTheOpposite() {
            nixosRebuild.run(dir, "switch", "--flake", flake(gpgSignedCommit, "web1"), "--no-update-lock-file", "--no-write-lock-file").orThrow();
            nixosRebuild.run(dir, "boot", "--flake", flake(sshSignedCommit, "web1"), "--no-update-lock-file", "--no-write-lock-file").orThrow();

            assertThat(nixosRebuild.generations()).containsExactly(1, 2);
            assertThat(nixosRebuild.bootRevision()).contains(sshSignedCommit);
            assertThat(nixosRebuild.runningRevision()).contains(gpgSignedCommit);

            nixosRebuild.run(dir, "test", "--flake", flake(sshSignedCommit, "db1"), "--no-update-lock-file", "--no-write-lock-file").orThrow();
            assertThat(nixosRebuild.generations()).containsExactly(1, 2);
            assertThat(nixosRebuild.runningRevision()).contains(sshSignedCommit);
        }

        @Test
        void switchRollbackReturnsToThePreviousGeneration() {
            nixosRebuild.run(dir, "switch", "--flake", flake(gpgSignedCommit, "web1"), "--no-update-lock-file", "--no-write-lock-file").orThrow();
            nixosRebuild.run(dir, "switch", "--flake", flake(sshSignedCommit, "web1"), "--no-update-lock-file", "--no-write-lock-file").orThrow();

            ProcessResult result = nixosRebuild.run(dir, "switch", "--rollback");

            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(nixosRebuild.currentGeneration()).isEqualTo(1);
            assertThat(nixosRebuild.generations()).containsExactly(1, 2);
            assertThat(nixosRebuild.runningRevision()).contains(gpgSignedCommit);
        }

        @Test
        void rollbackWithoutAPreviousGenerationFails() {
            nixosRebuild.run(dir, "switch", "--flake", flake(gpgSignedCommit, "web1"), "--no-update-lock-file", "--no-write-lock-file").orThrow();

            ProcessResult result = nixosRebuild.run(dir, "switch", "--rollback");

            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.stderr()).contains("error: no previous generation");
        }

        @Test
        void evaluationErrorFailsLikeNixAndChangesNothing() {
            String broken = commitToBareRepo(repo -> SampleFlake.breakEvaluation(repo, "web1", "web1 is misconfigured"));

            ProcessResult result = nixosRebuild.run(dir, "switch", "--flake", flake(broken, "web1"), "--no-update-lock-file", "--no-write-lock-file");

            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.stderr()).contains("… while evaluating", "error: web1 is misconfigured");
            assertThat(nixosRebuild.generations()).isEmpty();
        }

        @Test
        void unknownRevisionAndUnknownHostFailWithNixErrors() {
            String missing = "0123456789abcdef0123456789abcdef01234567";
            assertThat(nixosRebuild.run(dir, "build", "--flake", flake(missing, "web1"), "--no-update-lock-file", "--no-write-lock-file").stderr())
                    .contains("error: Cannot find Git revision '" + missing + "'");
            ProcessResult noHost = nixosRebuild.run(dir, "build", "--flake", flake(gpgSignedCommit, "db1"), "--no-update-lock-file", "--no-write-lock-file");
            assertThat(noHost.exitCode()).isEqualTo(1);
            assertThat(noHost.stderr()).contains("does not provide attribute 'nixosConfigurations.\"db1\"'");
        }

        @Test
        void usageErrorsExitWithOne() {
            assertThat(nixosRebuild.run(dir).exitCode()).isEqualTo(1);
            assertThat(nixosRebuild.run(dir, "deploy").stderr()).contains("error: unknown action 'deploy'");
            assertThat(nixosRebuild.run(dir, "switch", "--frobnicate").exitCode()).isEqualTo(1);
            assertThat(nixosRebuild.run(dir, "switch", "--flake", "/not/a/git/url#web1").exitCode()).isEqualTo(1);
            assertThat(nixosRebuild.run(dir, "switch", "--flake", "git+file://" + bare + "#web1").exitCode()).isEqualTo(1);
        }

        @Test
        void failingActivationExitsFourAfterSwitchingTheProfile() {
            String failing = commitToBareRepo(repo -> SampleFlake.failActivation(repo, "web1"));

            ProcessResult result = nixosRebuild.run(dir, "switch", "--flake", flake(failing, "web1"), "--no-update-lock-file", "--no-write-lock-file");

            assertThat(result.exitCode()).isEqualTo(4);
            assertThat(result.stderr()).contains("warning: the following units failed: broken.service");
            assertThat(nixosRebuild.currentGeneration()).isEqualTo(1);
        }

        @Test
        void dryBuildAndDryActivateChangeNothing() {
            nixosRebuild.run(dir, "dry-build", "--flake", flake(gpgSignedCommit, "web1"), "--no-update-lock-file", "--no-write-lock-file").orThrow();
            ProcessResult dryActivate = nixosRebuild.run(dir, "dry-activate", "--flake", flake(gpgSignedCommit, "web1"), "--no-update-lock-file", "--no-write-lock-file").orThrow();

            assertThat(dryActivate.stderr()).contains("would");
            assertThat(nixosRebuild.generations()).isEmpty();
            assertThat(nixosRebuild.runningRevision()).isEmpty();
            assertThat(dir.resolve("result")).doesNotExist();
        }

        @Test
        void slowBuildRunsItsSleepAsAChildProcessThatATreeKillStops() throws Exception {
            String slow = commitToBareRepo(repo -> SampleFlake.slowBuild(repo, "web1", 30));
            Process build = new ProcessBuilder(nixosRebuild.executable().toString(), "build", "--flake", flake(slow, "web1"), "--no-update-lock-file", "--no-write-lock-file")
                    .directory(dir.toFile()).start();
            try {
                ProcessHandle sleep = awaitChild(build);
                assertThat(sleep.info().command()).hasValueSatisfying(command -> assertThat(command).endsWith("sleep"));
            } finally {
                build.descendants().forEach(ProcessHandle::destroyForcibly);
                build.destroyForcibly();
            }
            assertThat(build.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(build.descendants().count()).isZero();
        }

        private ProcessHandle awaitChild(Process process) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline) {
                var sleep = process.descendants().filter(child -> child.info().command().orElse("").endsWith("sleep")).findFirst();
                if (sleep.isPresent()) {
                    return sleep.get();
                }
                Thread.sleep(20);
            }
            throw new AssertionError("the double never started its build sleep");
        }

        /** A commit on a throw-away branch of the served repo, so the shared history stays as it is. */
        private String commitToBareRepo(java.util.function.Consumer<WorkRepo> change) {
            try (WorkRepo repo = WorkRepo.init(dir.resolve("scenario"), "main")) {
                change.accept(repo);
                String commit = repo.commitUnsigned("scenario");
                repo.pushTo(bare, "scenario-" + commit.substring(0, 8));
                return commit;
            }
        }
    }
}
