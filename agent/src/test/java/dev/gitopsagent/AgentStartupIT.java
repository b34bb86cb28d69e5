package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.Fleet;

/** A configuration the agent cannot run with stops it at startup, and the output names the key and the problem. */
class AgentStartupIT {

    @TempDir
    Path dir;

    private Fleet fleet;

    @BeforeEach
    void createFleet() {
        fleet = Fleet.create(dir.resolve("fleet"));
    }

    @AfterEach
    void closeFleet() {
        fleet.close();
    }

    @Test
    void aPollIntervalThatIsNotADurationStopsStartup() throws Exception {
        String output = failedStartup(properties -> properties.put("gitops.poll.interval", "banana"));

        assertThat(output).contains("gitops.poll.interval").contains("banana").contains("Invalid duration");
    }

    @Test
    void aHostNameThatIsNotAFlakeAttributeStopsStartup() throws Exception {
        String output = failedStartup(properties -> properties.put("gitops.host", "bad host!"));

        assertThat(output).contains("gitops.host must be a host name of letters, digits");
    }

    @Test
    void aMissingAllowedSignersFileStopsStartup() throws Exception {
        String output = failedStartup(properties -> properties.put("gitops.trust.allowed-signers", dir.resolve("nowhere").toString()));

        assertThat(output).contains("gitops.trust.allowed-signers names " + dir.resolve("nowhere") + ", which is not a readable file");
    }

    @Test
    void noTrustedKeyAtAllStopsStartup() throws Exception {
        String output = failedStartup(properties -> {
            properties.remove("gitops.trust.allowed-signers");
            properties.remove("gitops.trust.openpgp-keys");
        });

        assertThat(output).contains("gitops.trust names no trusted key");
    }

    @Test
    void switchingOffSha1CollisionDetectionStopsStartup() throws Exception {
        String output = failedStartup(properties -> properties.put("org.eclipse.jgit.util.sha1.implementation", "jdkNative"));

        assertThat(output).contains("invalid configuration: org.eclipse.jgit.util.sha1.implementation is jdkNative: SHA-1 collision"
                + " detection is off, and the agent does not trust object ids without it");
    }

    @Test
    void aMaintenanceWindowOutsideTheDocumentedSyntaxStopsStartup() throws Exception {
        String output = failedStartup(properties -> properties.put("gitops.deploy.windows", "Sat 02:00 UTC for 4h; Sun 2am for 4h"));

        assertThat(output).contains("invalid configuration: gitops.deploy.windows 'Sun 2am for 4h': '2am' is not a time of day");
    }

    @Test
    void aMissingRepositoryUrlIsReportedLikeEveryOtherConfigurationProblem() throws Exception {
        String output = failedStartup(properties -> properties.remove("gitops.repository.url"));

        assertThat(output).contains("invalid configuration: gitops.repository.url is required").doesNotContain("SRCFG");
    }

    @Test
    void configurationProblemsComeBeforeTheRebuildCommandOnThisMachine() throws Exception {
        String output = failedStartup(properties -> {
            properties.remove("gitops.trust.allowed-signers");
            properties.remove("gitops.trust.openpgp-keys");
            properties.put("gitops.deploy.command", "nixos-rebuild-that-is-nowhere");
        });

        assertThat(output).contains("invalid configuration: gitops.trust names no trusted key").doesNotContain("gitops.deploy.command");
    }

    /** Each way a secret file can be wrong, for each key that names one: refused at startup, in one line naming the key. */
    static Stream<Arguments> badSecretFiles() {
        return Stream.of(
                Arguments.of("gitops.control.token-file", "rw-r--r--", SecretFault.MODE),
                Arguments.of("gitops.control.token-file", "rw-r-----", SecretFault.MODE),
                Arguments.of("gitops.control.token-file", "rw----r--", SecretFault.MODE),
                Arguments.of("gitops.control.token-file", "rw-------", SecretFault.MISSING),
                Arguments.of("gitops.control.token-file", "rw-------", SecretFault.EMPTY),
                Arguments.of("gitops.webhook.secret-file", "rw-r--r--", SecretFault.MODE),
                Arguments.of("gitops.webhook.secret-file", "rw-------", SecretFault.EMPTY),
                Arguments.of("gitops.webhook.secret-file", "rw--w----", SecretFault.LINK_TO_MODE),
                Arguments.of("gitops.repository.token-file", "rw-r-----", SecretFault.LINK_TO_MODE),
                Arguments.of("gitops.forge.token-file", "rw-------", SecretFault.OTHER_OWNER));
    }

    enum SecretFault {
        /** The file itself has the mode. */
        MODE,
        /** An agenix-style link to a file with the mode: what is read is what is checked. */
        LINK_TO_MODE,
        MISSING,
        EMPTY,
        /** Owner-only, but owned by another user. */
        OTHER_OWNER
    }

    @ParameterizedTest(name = "{0} {2} {1}")
    @MethodSource("badSecretFiles")
    void aBadSecretFileStopsStartupNamingTheKey(String key, String mode, SecretFault fault) throws Exception {
        Path file = dir.resolve("secrets/" + fault.name().toLowerCase());
        Files.createDirectories(file.getParent());
        if (fault != SecretFault.MISSING) {
            Path real = fault == SecretFault.LINK_TO_MODE ? dir.resolve("secrets/generation-1/secret") : file;
            Files.createDirectories(real.getParent());
            Files.writeString(real, fault == SecretFault.EMPTY ? "\n" : "s3cret\n");
            Files.setPosixFilePermissions(real, PosixFilePermissions.fromString(mode));
            if (fault == SecretFault.OTHER_OWNER) {
                Files.setOwner(real, real.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
            }
            if (real != file) {
                Files.createSymbolicLink(file, real);
            }
        }

        String output = failedStartup(properties -> {
            properties.put(key, file.toString());
            if (key.startsWith("gitops.repository.")) {
                // Nothing is fetched before the check; a token is only ever configured for an https:// remote.
                properties.put("gitops.repository.url", "https://127.0.0.1:1/fleet.git");
            }
            if (key.startsWith("gitops.forge.")) {
                properties.put("gitops.forge.type", "gitea");
                properties.put("gitops.forge.api-url", "https://127.0.0.1:1/api/v1");
                properties.put("gitops.forge.repository", "example/fleet");
            }
        });

        String expected = switch (fault) {
            case MODE, LINK_TO_MODE -> "which has mode " + mode;
            case MISSING -> "which does not exist";
            case EMPTY -> "which is empty";
            case OTHER_OWNER -> "which is owned by nobody";
        };
        assertThat(output.lines().filter(line -> line.contains("invalid configuration: " + key + " names " + file)))
                .singleElement().asString().contains(expected);
        assertThat(output).doesNotContain("Exception").doesNotContain("\tat ");
    }

    /** Starts the agent with the fleet's working configuration after {@code breakIt}, and returns its output once it exits. */
    private String failedStartup(Consumer<Map<String, String>> breakIt) throws InterruptedException {
        Map<String, String> properties = fleet.agentProperties();
        breakIt.accept(properties);
        AgentProcess agent = AgentProcess.launch(dir.resolve("agent.log"), properties);
        try {
            int exit = agent.awaitExit(Duration.ofSeconds(120));
            assertThat(exit).as(agent.output()).isNotZero();
            return agent.output();
        } finally {
            agent.close();
        }
    }
}
