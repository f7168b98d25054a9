package io.tributary;

import java.util.function.Supplier;

/**
 * A verticle factory that remembers its first product: the base instance of a verticle set,
 * which owns the listening socket, so its port is the set's.
 */
public final class FirstInstance<V> implements Supplier<V> {

    private final Supplier<V> factory;
    private V first;

    public FirstInstance(Supplier<V> factory) {
        this.factory = factory;
    }

    @Override
    public synchronized V get() {
        V v = factory.get();
        if (first == null) {
            first = v;
        }
        return v;
    }

    /** The first instance made, or null before any. */
    public synchronized V first() {
        return first;
    }
}
