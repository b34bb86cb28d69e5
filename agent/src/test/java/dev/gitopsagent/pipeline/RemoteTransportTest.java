package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.GitSshServer;
import dev.gitopsagent.testing.SshKey;
import dev.gitopsagent.testing.TestKeys;

/** Fetching over SSH with a deploy key and a pinned host key, and repairing a damaged local clone. */
class RemoteTransportTest {

    @TempDir
    Path dir;

    Fleet fleet;
    GitSshServer ssh;
    SshKey deployKey;
    TestAgent agent;

    @BeforeEach
    void serveOverSsh() {
        fleet = Fleet.create(dir.resolve("fleet"));
        deployKey = SshKey.generate(dir.resolve("deploy-key"), "gitops@web1");
        ssh = GitSshServer.start(fleet.remote().getParent()).authorize(deployKey.publicKey());
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        ssh.close();
        fleet.close();
    }

    private Map<String, String> overSsh(Path knownHosts) {
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.repository.url", ssh.url(Fleet.REPO).toString());
        properties.put("gitops.repository.ssh-key-file", deployKey.privateKey().toString());
        properties.put("gitops.repository.known-hosts-file", knownHosts.toString());
        return properties;
    }

    @Test
    void deploysFromAnSshRemoteWithADeployKeyAndAPinnedHostKey() throws Exception {
        String commit = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        agent = TestAgent.start(overSsh(ssh.writeKnownHosts(dir.resolve("known_hosts"))));

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));
        assertThat(fleet.host().runningRevision()).contains(commit);
    }

    @Test
    void refusesToTalkToAnSshServerWhoseHostKeyIsNotPinned() throws Exception {
        fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        Path strangerKnownHosts = Files.writeString(dir.resolve("known_hosts"),
                "[127.0.0.1]:" + ssh.port() + " " + SshKey.generate(dir.resolve("other-host"), "other").keyTypeAndBlob() + "\n");
        agent = TestAgent.start(overSsh(strangerKnownHosts));

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Errored.class);
        assertThat(fleet.host().invocations()).isEmpty();
    }

    @Test
    void refusesMalformedObjectsServedByTheRemote() throws Exception {
        String first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        agent = TestAgent.start(fleet.agentProperties());
        agent.reconcile();
        String tree = fleet.work().git("rev-parse", "HEAD^{tree}").strip();
        Path malformed = Files.writeString(dir.resolve("malformed"),
                "tree " + tree + "\nparent " + first + "\nauthor no email here 1700000000 +0000\n"
                        + "committer Mallory <m@example.test> 1700000000 +0000\n\nmalformed\n");
        String bad = fleet.work().git("--git-dir", fleet.remote().toString(), "hash-object", "-t", "commit", "-w", "--literally",
                malformed.toString()).strip();
        fleet.work().git("--git-dir", fleet.remote().toString(), "update-ref", "refs/heads/main", bad);

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Errored.class);
        assertThat(((ReconcileOutcome.Errored) outcome).reason()).contains("fetch from").contains(bad.substring(0, 7));
        assertThat(fleet.host().runningRevision()).contains(first);
    }

    @Test
    void recreatesADamagedLocalCloneAndCarriesOn() throws Exception {
        String first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        agent = TestAgent.start(fleet.agentProperties());
        agent.reconcile();
        agent.close();
        agent = null;
        Path clone = dir.resolve("fleet/state/repo.git");
        try (Stream<Path> objects = Files.walk(clone.resolve("objects"))) {
            for (Path file : objects.filter(Files::isRegularFile).toList()) {
                Files.write(file, new byte[] {0, 1, 2});
            }
        }
        Files.writeString(clone.resolve("HEAD"), "garbage\n");
        String next = fleet.pushChange("after the disk hiccup");

        agent = TestAgent.start(fleet.agentProperties());

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(next, "switch"));
        assertThat(agent.state().history().get(1).commit()).isEqualTo(first);
    }
}
