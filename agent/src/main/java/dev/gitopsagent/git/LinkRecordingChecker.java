package dev.gitopsagent.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.MutableObjectId;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.util.NB;

/**
 * JGit's object checker (every received object is refused if malformed, as before) that also notes
 * each object the received commits, trees and tags point to. A first fetch into an empty clone then
 * checks that the pack brought every one of them ({@link #firstMissing}): that is the whole graph
 * complete, as {@code git clone} checks it (index-pack's {@code --check-self-contained-and-connected}),
 * without JGit's second pass, which walks the full history again and re-reads every tree from the new
 * pack (on a 50,000-commit history most of the first sync's time, and GC thrash in a small heap).
 *
 * <p>Memory: 20 bytes per distinct object linked to, in an {@link IdTable} (under 11 MB for 280,000 objects),
 * one table for all the threads of a parallel parser ({@link #newChecker()}).
 */
final class LinkRecordingChecker extends ObjectChecker implements SharedChecks {

    private static final int HEX = Constants.OBJECT_ID_STRING_LENGTH;
    /** Slots of the table of recent ids: 320 KiB, within a core's L2 cache. */
    private static final int RECENT = 1 << 14;
    private static final int TREE_HEADER = "tree ".length();
    private static final byte[] PARENT = "parent ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int TAG_OBJECT = "object ".length();
    private static final byte[] GITLINK_MODE = "160000".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final IdTable links;
    private final MutableObjectId scratch = new MutableObjectId();
    /** Ids this checker noted lately, five words each, by their second word ({@link #noteRaw}); all zero is an empty slot. */
    private final int[] recent = new int[RECENT * 5];
    /** {@link PlainTree} confirms JGit's checks at their default settings; stricter file-system rules are JGit's alone. */
    private boolean plainTrees = true;

    LinkRecordingChecker() {
        this(new IdTable());
    }

    private LinkRecordingChecker(IdTable links) {
        this.links = links;
    }

    /** A checker for another thread that notes its links with this one's: {@link #firstMissing} then covers both. */
    @Override
    public ObjectChecker newChecker() {
        return new LinkRecordingChecker(links);
    }

    @Override
    public void check(AnyObjectId id, int type, byte[] raw) throws CorruptObjectException {
        if (type == Constants.OBJ_TREE && plainTrees && PlainTree.check(raw, this)) {
            return;
        }
        // The checks first: the parsing below relies on the layout they have just confirmed.
        super.check(id, type, raw);
        switch (type) {
            case Constants.OBJ_COMMIT -> commitLinks(raw);
            case Constants.OBJ_TREE -> treeLinks(raw);
            case Constants.OBJ_TAG -> noteHex(raw, TAG_OBJECT);
            default -> {
                // a blob points to nothing
            }
        }
    }

    @Override
    public ObjectChecker setSafeForWindows(boolean win) {
        plainTrees &= !win;
        return super.setSafeForWindows(win);
    }

    @Override
    public ObjectChecker setSafeForMacOS(boolean mac) {
        plainTrees &= !mac;
        return super.setSafeForMacOS(mac);
    }

    /** Also requires {@code tip} itself, e.g. a branch head the server advertised. */
    void require(AnyObjectId tip) {
        links.add(tip);
    }

    /**
     * The first object linked to (or required) that {@code reader} cannot find, if any, except the
     * {@code cut} ones: the parents of a shallow first sync's head, which it did not ask for.
     */
    Optional<ObjectId> firstMissing(ObjectReader reader, Set<ObjectId> cut) throws IOException {
        try {
            return links.find(id -> !cut.contains(id) && !has(reader, id));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The parents a (checked) commit names. */
    static Set<ObjectId> parents(byte[] commit) {
        Set<ObjectId> parents = new HashSet<>();
        forEachParent(commit, hex -> parents.add(ObjectId.fromString(commit, hex)));
        return parents;
    }

    /**
     * Hands on where each parent's hex id starts in a (checked) commit: "tree <hex>\n", then any
     * number of "parent <hex>\n" lines before the author. The one parser of parent lines, for the
     * links a fetched commit records and for the parents a shallow first sync cut off.
     */
    private static void forEachParent(byte[] commit, IntConsumer hex) {
        int position = TREE_HEADER + HEX + 1;
        while (startsWith(commit, position, PARENT)) {
            hex.accept(position + PARENT.length);
            position += PARENT.length + HEX + 1;
        }
    }

    private static boolean has(ObjectReader reader, ObjectId id) {
        try {
            return reader.has(id);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A commit links to its tree and its parents. */
    private void commitLinks(byte[] raw) {
        noteHex(raw, TREE_HEADER);
        forEachParent(raw, hex -> noteHex(raw, hex));
    }

    /** Entries "<mode> <name>\0<20-byte id>"; a gitlink names a commit of another repository, which is never here. */
    private void treeLinks(byte[] raw) {
        int position = 0;
        while (position < raw.length) {
            int space = indexOf(raw, position, (byte) ' ');
            boolean gitlink = space - position == GITLINK_MODE.length && startsWith(raw, position, GITLINK_MODE);
            int nul = indexOf(raw, space + 1, (byte) 0);
            if (!gitlink) {
                noteRaw(raw, nul + 1);
            }
            position = nul + 1 + Constants.OBJECT_ID_LENGTH;
        }
    }

    /**
     * Notes a tree entry's id, unless this checker noted the same id lately: the versions of a tree that
     * follow each other in a delta chain list mostly the same ids, and a look in this thread's own small
     * table of recent ids costs a fraction of an insert into the shared table (a cache miss and a lock).
     * An id is in the recent table only once it is in the shared one.
     */
    void noteRaw(byte[] raw, int offset) {
        int w1 = NB.decodeInt32(raw, offset);
        int w2 = NB.decodeInt32(raw, offset + 4);
        int w3 = NB.decodeInt32(raw, offset + 8);
        int w4 = NB.decodeInt32(raw, offset + 12);
        int w5 = NB.decodeInt32(raw, offset + 16);
        int slot = (w2 & (RECENT - 1)) * 5;
        boolean zero = (w1 | w2 | w3 | w4 | w5) == 0;
        if (!zero && recent[slot] == w1 && recent[slot + 1] == w2 && recent[slot + 2] == w3 && recent[slot + 3] == w4 && recent[slot + 4] == w5) {
            return;
        }
        links.add(w1, w2, w3, w4, w5);
        recent[slot] = w1;
        recent[slot + 1] = w2;
        recent[slot + 2] = w3;
        recent[slot + 3] = w4;
        recent[slot + 4] = w5;
    }

    private void noteHex(byte[] raw, int position) {
        scratch.fromString(raw, position);
        links.add(scratch);
    }

    private static boolean startsWith(byte[] raw, int position, byte[] prefix) {
        if (position + prefix.length > raw.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (raw[position + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] raw, int from, byte value) {
        int i = from;
        while (raw[i] != value) {
            i++;
        }
        return i;
    }
}
