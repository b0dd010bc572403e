package io.github.astreg.sink.jdbc.internal;

import io.github.astreg.core.AstregException;
import io.github.astreg.core.RetriableAstregException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/** Turns {@link SQLException}s into astreg's exceptions, telling "try again later" apart. */
public final class JdbcErrors {
    private JdbcErrors() {}

    /**
     * Whether the failure may go away by itself: a lost or refused connection (SQLState class 08),
     * a rolled back transaction such as a deadlock or serialization failure (40), an administrator
     * shutdown or terminated backend (57P), too many connections (53300, 08004, 1040), a lock wait
     * timeout (HY000 with MySQL error 1205), or any transient/recoverable exception.
     */
    public static boolean isRetriable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException
                    || t instanceof SQLRecoverableException
                    || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                if (state != null
                        && (state.startsWith("08")
                                || state.startsWith("40")
                                || state.startsWith("57P")
                                || state.equals("53300"))) {
                    return true;
                }
                int code = s.getErrorCode();
                if (code == 1205 || code == 1213 || code == 1040 || code == 2006 || code == 2013) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether a transaction failed because of a concurrent one and may succeed when run again at
     * once: deadlock or serialization failure (SQLState class 40, MySQL 1213), lock wait timeout
     * (MySQL 1205, PostgreSQL 55P03), or a unique-key violation (23505, MySQL 1062), which an upsert
     * only meets when it raced a concurrent insert of the same key (H2's MERGE is not atomic).
     */
    public static boolean isConflict(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                if (state != null && (state.startsWith("40") || state.equals("23505") || state.equals("55P03"))) {
                    return true;
                }
                int code = s.getErrorCode();
                if (code == 1213 || code == 1205 || code == 1062) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Wraps a failure of {@code what} ("write of 12 changes", "locate PJSIP/1001"). */
    public static AstregException wrap(String what, SQLException e) {
        String message = "jdbc: " + what + " failed: " + describe(e);
        return isRetriable(e) ? new RetriableAstregException(message, e) : new AstregException(message, e);
    }

    /** SQLState, vendor code and the first line of the message, shortened. */
    public static String describe(SQLException e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            m = m.substring(0, nl);
        }
        if (m.length() > 300) {
            m = m.substring(0, 300) + "...";
        }
        return "[" + e.getSQLState() + "/" + e.getErrorCode() + "] " + m;
    }
}
