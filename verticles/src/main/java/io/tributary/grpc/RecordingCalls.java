package io.tributary.grpc;

import io.tributary.StatusException;
import io.tributary.auth.Caller;
import io.tributary.auth.Role;
import io.tributary.dvr.DvrModule;
import io.tributary.grpc.api.DeletedRecordings;
import io.tributary.grpc.api.RecordedRange;
import io.tributary.grpc.api.RecordingList;
import io.tributary.grpc.api.RecordingsGrpcService;
import io.tributary.grpc.api.RecordingsRequest;
import io.tributary.grpc.api.RenditionRecording;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import static io.tributary.grpc.GrpcCalls.number;
import static io.tributary.grpc.GrpcCalls.text;

/**
 * {@code tributary.v1.Recordings}: the DVR's {@code GET} and {@code DELETE /api/v1/recordings}, the
 * same code behind both doors ({@link DvrModule#recordings}); deleting is an admin's, as on REST.
 */
final class RecordingCalls {

    /** Null on a node without the DVR: every call is UNIMPLEMENTED, saying why. */
    private final DvrModule dvr;

    RecordingCalls(DvrModule dvr) {
        this.dvr = dvr;
    }

    void bind(GrpcCalls calls) {
        calls.unary(RecordingsGrpcService.List, Role.VIEWER, GrpcCalls.Kind.READ, this::list)
                .unary(RecordingsGrpcService.Delete, Role.ADMIN, GrpcCalls.Kind.WRITE, this::delete);
    }

    private Future<RecordingList> list(Caller caller, RecordingsRequest req) {
        return dvr().recordings(req.getStream(), GrpcCalls.absentIfEmpty(req.getFrom()), GrpcCalls.absentIfEmpty(req.getTo()))
                .map(RecordingCalls::recordingList);
    }

    private Future<DeletedRecordings> delete(Caller caller, RecordingsRequest req) {
        return dvr().deleteRecordings(req.getStream(), GrpcCalls.absentIfEmpty(req.getFrom()), GrpcCalls.absentIfEmpty(req.getTo()))
                .map(d -> {
                    DeletedRecordings.Builder b = DeletedRecordings.newBuilder().setStream(text(d, "stream"))
                            .setFrom(text(d, "from")).setTo(text(d, "to")).setSegments(number(d, "segments").longValue())
                            .setBytes(number(d, "bytes").longValue());
                    for (Object o : d.getJsonArray("otherNodes")) {
                        JsonObject n = (JsonObject) o;
                        String outcome = Boolean.TRUE.equals(n.getValue("deleted"))
                                ? "deleted, " + number(n, "bytesFreed").longValue() + " bytes freed"
                                : "not deleted (" + text(n, "reason") + ")";
                        b.addOtherNodes(text(n, "node") + ": " + number(n, "files").intValue() + " file(s) " + outcome);
                    }
                    return b.build();
                });
    }

    private DvrModule dvr() {
        if (dvr == null) {
            throw new StatusException(501, "this node records no streams (dvr.enabled is false)");
        }
        return dvr;
    }

    private static RecordingList recordingList(JsonObject r) {
        RecordingList.Builder out = RecordingList.newBuilder().setStream(text(r, "stream"))
                .setTruncated(Boolean.TRUE.equals(r.getValue("truncated")));
        for (Object o : r.getJsonArray("renditions")) {
            JsonObject rendition = (JsonObject) o;
            RenditionRecording.Builder b = RenditionRecording.newBuilder().setRendition(text(rendition, "rendition"))
                    .setFrom(text(rendition, "from")).setTo(text(rendition, "to"))
                    .setBytes(number(rendition, "bytes").longValue()).setSegments(number(rendition, "segments").longValue());
            rendition.getJsonArray("ranges").forEach(x -> b.addRanges(range((JsonObject) x)));
            rendition.getJsonArray("gaps").forEach(x -> b.addGaps(range((JsonObject) x)));
            out.addRenditions(b);
        }
        return out.build();
    }

    private static RecordedRange range(JsonObject r) {
        return RecordedRange.newBuilder().setFrom(text(r, "from")).setTo(text(r, "to")).setSeconds(number(r, "seconds").doubleValue())
                .setBytes(number(r, "bytes").longValue()).setSegments(number(r, "segments").longValue()).build();
    }
}
