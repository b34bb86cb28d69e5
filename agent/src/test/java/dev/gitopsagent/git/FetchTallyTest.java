package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The object count of one fetch against its two bounds: the configured one, and what the heap can index. The tighter
 * one refuses, naming what to raise; so does a fetch that ran the heap out of memory below them.
 */
class FetchTallyTest {

    private static final long MIB = 1 << 20;

    @ParameterizedTest(name = "a heap of {0} MiB indexes {1} objects")
    @CsvSource({"64, 802816", "63, 786432", "128, 1851392", "15, 0", "8, 0"})
    void derivesTheObjectsAHeapIndexesFromItsSize(long mebibytes, long objects) {
        assertThat(new HeapCapacity(mebibytes * MIB).objects()).isEqualTo(objects);
    }

    @ParameterizedTest(name = "max-objects {0}, a heap of {1} MiB: {2} objects taken, one more refused as {3}")
    @CsvSource({
            "1000000, 64, 802816, heap-too-small",
            "1000, 64, 1000, too-many-objects",
            "1000000, 1024, 1000000, too-many-objects"})
    void refusesOneObjectOverTheTighterBound(long maxObjects, long heapMebibytes, long taken, String refusedAs) throws Exception {
        FetchTally tally = new FetchTally(new FetchBounds(1L << 40, maxObjects, 8 * MIB), new HeapCapacity(heapMebibytes * MIB));

        assertThatCode(() -> tally.objects(taken)).doesNotThrowAnyException();
        assertThatThrownBy(() -> tally.objects(1)).isInstanceOfSatisfying(FetchRefusedException.class,
                refused -> assertThat(refused.reason().label()).isEqualTo(refusedAs))
                .hasMessageStartingWith("the remote announced " + (taken + 1) + " objects in one fetch, more than ")
                .hasMessageContaining(refusedAs.equals("heap-too-small") ? "-Xmx" : FetchBounds.MAX_OBJECTS_KEY)
                .hasMessageEndingWith("nothing of it is kept");
    }

    @ParameterizedTest(name = "\"{0}\": the heap''s: {1}")
    @CsvSource(delimiter = '|', value = {
            "Java heap space | true",
            "GC overhead limit exceeded | true",
            "Requested array size exceeds VM limit | true",
            "Garbage-collected heap size exceeded. | true",
            "unable to create native thread: possibly out of memory or process/resource limits reached | false",
            "Metaspace | false",
            "Compressed class space | false",
            "Cannot reserve 8192 bytes of direct buffer memory (allocated: 0, limit: 0) | false",
            "Direct buffer memory | false"})
    void tellsTheHeapRunningOutFromWhatRefusingAFetchWouldNotGiveBack(String message, boolean heap) {
        assertThat(HeapCapacity.isHeapExhaustion(new OutOfMemoryError(message))).isEqualTo(heap);
    }

    @ParameterizedTest(name = "after {0} objects announced: ...{1}")
    @CsvSource(delimiter = '|', value = {
            "0 | ran out of memory during a fetch, before any pack arrived; raise the JVM's -Xmx",
            "700705 | ran out of memory indexing the 700705 objects the remote announced in one fetch; raise the JVM's -Xmx"})
    void namesTheHeapAndWhatTheFetchAnnouncedWhenItRanOutOfMemory(long announced, String what) throws Exception {
        FetchTally tally = new FetchTally(new FetchBounds(1L << 40, 1_000_000, 8 * MIB), new HeapCapacity(64 * MIB));
        tally.objects(announced);

        FetchRefusedException refused = tally.exhausted();

        assertThat(refused.reason()).isEqualTo(FetchRefusedException.Reason.HEAP_TOO_SMALL);
        assertThat(refused).hasMessageStartingWith("this process's heap of 64 MiB " + what)
                .hasMessageEndingWith("first-sync=shallow); nothing of it is kept");
    }
}
