package io.tributary;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Where a stream that leaves this node is forgotten: its meters and its sessions subscribe.
 * The live streams tell it when an ended stream is dropped, an edge when a stream leaves the registry.
 */
final class ForgottenStreams implements Consumer<String> {

    private final List<Consumer<String>> forgetters = new CopyOnWriteArrayList<>();

    void subscribe(Consumer<String> forgetter) {
        forgetters.add(forgetter);
    }

    @Override
    public void accept(String key) {
        for (Consumer<String> f : forgetters) {
            f.accept(key);
        }
    }
}
