package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.eclipse.jgit.util.sha1.SHA1;
import org.eclipse.jgit.util.sha1.Sha1CollisionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.gitopsagent.config.InvalidConfigException;

class CollisionDetectionTest {

    /** The first 320 bytes of {@code shattered-2.pdf}: the other side of the collision in {@link CollisionDetection#SHATTERED}. */
    static final byte[] SHATTERED_2 = HexFormat.of().parseHex(
            "255044462d312e330a25e2e3cfd30a0a0a312030206f626a0a3c3c2f57696474682032203020522f4865696768742033"
            + "203020522f547970652034203020522f537562747970652035203020522f46696c7465722036203020522f436f6c6f72"
            + "53706163652037203020522f4c656e6774682038203020522f42697473506572436f6d706f6e656e7420383e3e0a7374"
            + "7265616d0affd8fffe00245348412d3120697320646561642121212121852fec092339759c39b1a1c63c4c97e1fffe01"
            + "7346dc9166b67e118f029ab621b2560ff9ca67cca8c7f85ba84c79030c2b3de218f86db3a90901d5df45c14f26fedfb3"
            + "dc38e96ac22fe7bd728f0e45bce046d23c570feb141398bb552ef5a0a82be331fea48037b8b5d71f0e332edf93ac3500"
            + "eb4ddc0decc1a864790c782c76215660dd309791d06bd0af3f98cda4bc4629b1");

    private static final Supplier<SHA1> DETECTING = SHA1::newInstance;
    private static final Supplier<SHA1> NOT_DETECTING = () -> SHA1.newInstance().setDetectCollision(false);
    private static final Supplier<String> JGIT_CONFIG = () -> "/root/.config/jgit/config";

    @Test
    void theTestVectorIsARealCollision() throws Exception {
        MessageDigest plain = MessageDigest.getInstance("SHA-1");
        byte[] one = plain.digest(CollisionDetection.SHATTERED);
        byte[] two = plain.digest(SHATTERED_2);

        assertThat(CollisionDetection.SHATTERED).hasSize(320).isNotEqualTo(SHATTERED_2);
        assertThat(HexFormat.of().formatHex(one)).isEqualTo("f92d74e3874587aaf443d1db961d4e26dde13e9c").isEqualTo(HexFormat.of().formatHex(two));
    }

    @Test
    void theSha1EveryFetchUsesDetectsBothSidesOfTheCollision() {
        for (byte[] side : new byte[][] {CollisionDetection.SHATTERED, SHATTERED_2}) {
            SHA1 sha = SHA1.newInstance();
            sha.update(side);
            assertThatThrownBy(sha::digest).isInstanceOf(Sha1CollisionException.class);
        }
        assertThatCode(CollisionDetection::require).doesNotThrowAnyException();
    }

    @Test
    void anObjectCraftedToCollideIsRefusedAsACorruptPack() {
        CollisionDetectingSha1 sha = new CollisionDetectingSha1();
        sha.update(SHATTERED_2);

        assertThatThrownBy(() -> ObjectResolver.digest(sha))
                .isInstanceOf(CorruptPackException.class)
                .hasMessage("the pack holds an object crafted to collide in SHA-1: SHA-1 collision detected on f92d74e3874587aaf443d1db961d4e26dde13e9c");
    }

    static Stream<Arguments> settingsThatSwitchDetectionOff() {
        return Stream.of(
                Arguments.of(Map.of(CollisionDetection.IMPLEMENTATION, "jdkNative"),
                        "org.eclipse.jgit.util.sha1.implementation is jdkNative: SHA-1 collision detection is off, and the agent does not trust"
                                + " object ids without it; remove the -Dorg.eclipse.jgit.util.sha1.implementation (from the command line or"
                                + " JAVA_TOOL_OPTIONS)"),
                Arguments.of(Map.of(CollisionDetection.DETECT, "false"),
                        "org.eclipse.jgit.util.sha1.detectCollision is false: SHA-1 collision detection is off, and the agent does not trust"
                                + " object ids without it; remove the -Dorg.eclipse.jgit.util.sha1.detectCollision (from the command line or"
                                + " JAVA_TOOL_OPTIONS)"),
                Arguments.of(Map.of(CollisionDetection.IMPLEMENTATION, "java", CollisionDetection.DETECT, "true"),
                        "core.sha1Implementation in JGit's configuration file /root/.config/jgit/config says another SHA-1 than JGit's own:"
                                + " SHA-1 collision detection is off, and the agent does not trust object ids without it; remove it from the"
                                + " [core] section"),
                Arguments.of(Map.of(),
                        "core.sha1Implementation in JGit's configuration file /root/.config/jgit/config says another SHA-1 than JGit's own:"
                                + " SHA-1 collision detection is off, and the agent does not trust object ids without it; remove it from the"
                                + " [core] section"));
    }

    @ParameterizedTest
    @MethodSource
    void settingsThatSwitchDetectionOff(Map<String, String> properties, String message) {
        assertThatThrownBy(() -> CollisionDetection.require(NOT_DETECTING, properties::get, JGIT_CONFIG))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage(message);
    }

    @Test
    void whatCountsIsWhetherTheCollisionIsDetectedNotWhatIsSet() {
        assertThatCode(() -> CollisionDetection.require(DETECTING, Map.of(CollisionDetection.IMPLEMENTATION, "jdkNative")::get, JGIT_CONFIG))
                .doesNotThrowAnyException();
    }

    @Test
    void refusesToRunWithTheJdksSha1ChosenForThisProcess() {
        String before = System.getProperty(CollisionDetection.IMPLEMENTATION);
        System.setProperty(CollisionDetection.IMPLEMENTATION, "jdkNative");
        try {
            assertThatThrownBy(CollisionDetection::require)
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageStartingWith("org.eclipse.jgit.util.sha1.implementation is jdkNative: SHA-1 collision detection is off");
        } finally {
            if (before == null) {
                System.clearProperty(CollisionDetection.IMPLEMENTATION);
            } else {
                System.setProperty(CollisionDetection.IMPLEMENTATION, before);
            }
        }
    }
}
