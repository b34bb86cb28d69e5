package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PackParser;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which packs the agent's own parallel parser indexes: only those parsed into an object store that holds
 * nothing. Every other pack goes to JGit's parser, with its lookup of each received object among those stored.
 */
class BoundedRepositoryTest {

    @FunctionalInterface
    interface Setup {
        void apply(BoundedRepository repository, Path objects) throws Exception;
    }

    @TempDir
    Path root;

    static Stream<Arguments> objectStores() {
        return Stream.of(
                Arguments.of("a new clone", false, (Setup) (repository, objects) -> {
                }),
                Arguments.of("only the stores' bookkeeping in objects/info", false,
                        (Setup) (repository, objects) -> Files.writeString(objects.resolve("info/packs"), "\n")),
                Arguments.of("a loose object", true, (Setup) (repository, objects) -> insertBlob(repository)),
                Arguments.of("a pack", true, (Setup) (repository, objects) -> {
                    // Named by a ref, so that gc packs it (and then removes the loose copy).
                    RefUpdate tag = repository.updateRef("refs/tags/hello");
                    tag.setNewObjectId(insertBlob(repository));
                    tag.update();
                    try (Git git = Git.wrap(repository)) {
                        git.gc().call();
                    }
                    try (Stream<Path> loose = Files.list(objects)) {
                        assertThat(loose.filter(dir -> dir.getFileName().toString().length() == 2)).isEmpty();
                    }
                }),
                Arguments.of("what an interrupted fetch left", true,
                        (Setup) (repository, objects) -> Files.write(objects.resolve("pack/incoming_1.pack"), new byte[] {'P', 'A', 'C', 'K'})),
                Arguments.of("an alternate object store", true,
                        (Setup) (repository, objects) -> Files.writeString(objects.resolve("info/alternates"), "/var/lib/other.git/objects\n")));
    }

    @ParameterizedTest(name = "{0}: JGit's parser, with collision lookups: {1}")
    @MethodSource("objectStores")
    void indexesInParallelOnlyWhenTheObjectStoreHoldsNothing(String store, boolean jgits, Setup setup) throws Exception {
        try (BoundedRepository repository = BoundedRepository.open(new FileRepositoryBuilder().setGitDir(root.resolve("clone.git").toFile()),
                new FetchBounds(1 << 20, 1_000, 1 << 20))) {
            repository.create(true);
            Path objects = repository.getObjectDatabase().getDirectory().toPath();
            Files.createDirectories(objects.resolve("info"));
            setup.apply(repository, objects);

            assertThat(repository.holdsNoObjects()).isEqualTo(!jgits);
            try (ObjectInserter inserter = repository.newObjectInserter()) {
                // An empty pack: a clone that holds objects has its packs read to the end before it picks their parser.
                PackParser parser = inserter.newPackParser(new ByteArrayInputStream(new FirstPackParserTest.HandPack().bytes()));
                assertThat(parser instanceof FirstPackParser).isEqualTo(!jgits);
                if (jgits) {
                    assertThat(checksCollisions(parser)).isTrue();
                }
            }
        }
    }

    private static ObjectId insertBlob(BoundedRepository repository) throws IOException {
        try (ObjectInserter inserter = repository.newObjectInserter()) {
            ObjectId blob = inserter.insert(Constants.OBJ_BLOB, "hello\n".getBytes(StandardCharsets.UTF_8));
            inserter.flush();
            return blob;
        }
    }

    /** JGit's own view of the parser: its protected getter. */
    private static boolean checksCollisions(PackParser parser) throws ReflectiveOperationException {
        Method getter = PackParser.class.getDeclaredMethod("isCheckObjectCollisions");
        getter.setAccessible(true);
        return (boolean) getter.invoke(parser);
    }
}
