package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.junit.jupiter.api.Test;

/**
 * The first fetch's object checks, run on a second thread: every object is still checked, in the
 * order received, and a malformed one still fails the fetch, named, before anything is built from it.
 */
class BackgroundCheckerTest {

    private static final ObjectId BLOB = ObjectId.fromString("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");

    @Test
    void checksEveryObjectInTheOrderReceivedAcrossManyBatches() throws Exception {
        List<ObjectId> checked = Collections.synchronizedList(new ArrayList<>());
        ObjectChecker recording = new ObjectChecker() {
            @Override
            public void check(AnyObjectId id, int type, byte[] raw) throws CorruptObjectException {
                super.check(id, type, raw);
                checked.add(id.copy());
            }
        };
        List<ObjectId> sent = new ArrayList<>();
        try (BackgroundChecker checker = new BackgroundChecker(recording)) {
            for (int i = 0; i < 5_000; i++) {
                byte[] tree = tree("file" + i, "other" + i);
                sent.add(send(checker, Constants.OBJ_TREE, tree));
            }
            checker.finish();
        }

        assertThat(checked).containsExactlyElementsOf(sent);
    }

    @Test
    void namesTheMalformedTreeWhenTheFetchFinishes() throws Exception {
        try (BackgroundChecker checker = new BackgroundChecker(new LinkRecordingChecker())) {
            send(checker, Constants.OBJ_TREE, tree("a", "b"));
            ObjectId malformed = send(checker, Constants.OBJ_TREE, tree("same", "same"));
            send(checker, Constants.OBJ_TREE, tree("c", "d"));

            assertThatThrownBy(checker::finish).isInstanceOf(CorruptObjectException.class)
                    .hasMessageContaining("Invalid tree " + malformed.name()).hasMessageContaining("duplicate entry names");
        }
    }

    @Test
    void stopsTheParserSoonAfterAMalformedObjectIsFound() throws Exception {
        try (BackgroundChecker checker = new BackgroundChecker(new LinkRecordingChecker())) {
            ObjectId malformed = send(checker, Constants.OBJ_TREE, tree("same", "same"));
            byte[] good = tree("a", "b");
            ObjectId goodId = idOf(Constants.OBJ_TREE, good);

            // The objects waiting for the checker are bounded (1 MiB, 64 bytes at least each), so the parser
            // cannot run more than about 17,000 objects ahead of it: well before this loop ends, a check throws.
            assertThatThrownBy(() -> {
                for (int i = 0; i < 200_000; i++) {
                    checker.check(goodId, Constants.OBJ_TREE, good);
                }
            }).isInstanceOf(CorruptObjectException.class).hasMessageContaining("Invalid tree " + malformed.name());
            assertThat(checker.failure()).hasValueSatisfying(failure -> assertThat(failure).hasMessageContaining(malformed.name()));
        }
    }

    private static ObjectId send(BackgroundChecker checker, int type, byte[] raw) throws CorruptObjectException {
        ObjectId id = idOf(type, raw);
        checker.check(id, type, raw);
        return id;
    }

    private static ObjectId idOf(int type, byte[] raw) {
        try (ObjectInserter.Formatter formatter = new ObjectInserter.Formatter()) {
            return formatter.idFor(type, raw);
        }
    }

    /** A tree of two blob entries, in the order given (git sorts them; a malformed tree need not). */
    private static byte[] tree(String first, String second) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String name : List.of(first, second)) {
            out.writeBytes(("100644 " + name + "\0").getBytes(StandardCharsets.UTF_8));
            byte[] id = new byte[Constants.OBJECT_ID_LENGTH];
            BLOB.copyRawTo(id, 0);
            out.writeBytes(id);
        }
        return out.toByteArray();
    }
}
