package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

/** The id set behind the first fetch's completeness check: losing an id would let a missing object through. */
class IdTableTest {

    @Test
    void keepsEveryDistinctIdOnceThroughManyGrowths() {
        Random random = new Random(14);
        List<ObjectId> ids = new ArrayList<>();
        IdTable table = new IdTable();
        for (int i = 0; i < 50_000; i++) {
            byte[] raw = new byte[20];
            random.nextBytes(raw);
            ObjectId id = ObjectId.fromRaw(raw);
            ids.add(id);
            // Once as raw bytes inside a larger buffer (a tree entry), once as an id (a commit's parent line).
            byte[] entry = new byte[30];
            System.arraycopy(raw, 0, entry, 7, 20);
            table.addRaw(entry, 7);
            table.add(id);
        }

        Set<ObjectId> seen = new HashSet<>();
        assertThat(table.find(id -> !seen.add(id))).isEmpty();
        assertThat(seen).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void findsTheFirstIdThatFailsTheTest() {
        IdTable table = new IdTable();
        ObjectId present = ObjectId.fromString("1111111111111111111111111111111111111111");
        ObjectId missing = ObjectId.fromString("2222222222222222222222222222222222222222");
        table.add(present);
        table.add(missing);
        table.add(ObjectId.zeroId());

        assertThat(table.find(id -> !id.equals(present) && !id.equals(ObjectId.zeroId()))).contains(missing);
        assertThat(table.find(id -> id.equals(ObjectId.zeroId()))).contains(ObjectId.zeroId());
        assertThat(table.find(id -> false)).isEmpty();
    }
}
