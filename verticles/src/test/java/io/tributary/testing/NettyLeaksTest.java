package io.tributary.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The leak guard every test class runs under finds a buffer nobody released. */
class NettyLeaksTest {

    @Test
    void anUnreleasedBufferFailsTheCheck() throws Exception {
        assumeTrue(NettyLeaks.active(), "leak detection is off in this JVM (surefire turns it on)");
        NettyLeaks.check("before"); // nothing pending from earlier classes in this JVM
        leak();
        AssertionError e = assertThrows(AssertionError.class, () -> NettyLeaks.check("this test"));
        assertTrue(e.getMessage().contains("LEAK: ByteBuf"), e.getMessage());
        assertTrue(e.getMessage().contains("NettyLeaksTest.leak"), "the record says where it was made: " + e.getMessage());
    }

    private static void leak() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42); // touched, then dropped without release()
    }
}
