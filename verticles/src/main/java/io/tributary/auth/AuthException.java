package io.tributary.auth;

import io.tributary.StatusException;

/** 401 (no or bad credentials: the client should authenticate) or 403 (known, but not allowed). */
public final class AuthException extends StatusException {

    private AuthException(int status, String message) {
        super(status, message);
    }

    public static AuthException unauthorized(String message) {
        return new AuthException(401, message);
    }

    public static AuthException forbidden(String message) {
        return new AuthException(403, message);
    }
}
