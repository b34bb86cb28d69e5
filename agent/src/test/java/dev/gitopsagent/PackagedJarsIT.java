package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;

/**
 * The packaged JVM build as it is installed. Its jars carry no jar signature: the JDK would check every
 * class loaded from a signed jar against the jar's signed manifest, which cost the agent about 0.9 s of
 * CPU at each start and 13 MiB (application.properties removes the signatures by name, so a dependency
 * update that signs under another name must show up here).
 */
class PackagedJarsIT {

    /** What makes the JDK verify a jar: a signature file, or a signature block of any algorithm. */
    private static final Pattern SIGNATURE = Pattern.compile("META-INF/([^/]+\\.(SF|RSA|DSA|EC)|SIG-[^/]+)");

    @Test
    void noJarOfTheJvmBuildIsSigned() throws IOException {
        assumeTrue(System.getProperty("agent.runner") == null, "the native executable has no jars");
        Path app = Path.of(System.getProperty("agent.jar")).getParent();
        List<String> signed = new ArrayList<>();
        List<Path> jars;
        try (Stream<Path> files = Files.walk(app)) {
            jars = files.filter(file -> file.toString().endsWith(".jar")).sorted().toList();
        }
        for (Path jar : jars) {
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                zip.stream().map(entry -> entry.getName()).filter(name -> SIGNATURE.matcher(name.toUpperCase(java.util.Locale.ROOT)).matches())
                        .forEach(name -> signed.add(app.relativize(jar) + "!" + name));
            }
        }

        assertThat(jars).as("jars of the packaged agent").hasSizeGreaterThan(50)
                .anySatisfy(jar -> assertThat(jar.getFileName().toString()).startsWith("org.bouncycastle.bcprov"));
        assertThat(signed).as("signature files (remove them with quarkus.class-loading.removed-resources)").isEmpty();
    }
}
