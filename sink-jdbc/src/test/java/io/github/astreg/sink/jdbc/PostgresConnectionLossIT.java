package io.github.astreg.sink.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** {@link ConnectionLossSuite} on PostgreSQL: {@code pg_terminate_backend} on the pool's backends. */
class PostgresConnectionLossIT extends ConnectionLossSuite {
    @Override
    protected HikariDataSource openPool() {
        return Databases.postgres(tag);
    }

    @Override
    protected int killConnections() {
        try (Connection admin = DriverManager.getConnection(Databases.PG_URL, Databases.PG_USER, "");
                PreparedStatement ps = admin.prepareStatement("SELECT COUNT(pg_terminate_backend(pid))"
                        + " FROM pg_stat_activity WHERE application_name = ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, tag);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
