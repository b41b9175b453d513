package io.gpki.gateway.registration;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Service hours of issuance: weekdays between {@code open} and {@code close} in {@code zone},
 * except the listed holidays. Outside them, issue requests are either queued (accepted, issued at
 * the next opening) or refused (503 with Retry-After), per {@code outside}; never silently dropped.
 * Revocation is always served.
 *
 * @param enabled apply the calendar (off: issuance is always open)
 * @param zone time zone of the hours and holidays
 * @param open opening time
 * @param close closing time
 * @param days service days
 * @param holidays closed dates (e.g. the yearly list as operated today)
 * @param outside QUEUE or REFUSE
 */
public record ServiceCalendar(
    @DefaultValue("false") boolean enabled,
    @DefaultValue("Asia/Tokyo") ZoneId zone,
    @DefaultValue("08:30") LocalTime open,
    @DefaultValue("18:15") LocalTime close,
    @DefaultValue({"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"}) Set<DayOfWeek> days,
    @DefaultValue List<LocalDate> holidays,
    @DefaultValue("QUEUE") Outside outside) {

  /** What happens to issue requests outside service hours. */
  public enum Outside {
    QUEUE,
    REFUSE
  }

  /** Always open. */
  public static ServiceCalendar alwaysOpen() {
    return new ServiceCalendar(
        false,
        ZoneId.of("UTC"),
        LocalTime.MIN,
        LocalTime.MAX,
        Set.of(DayOfWeek.values()),
        List.of(),
        Outside.QUEUE);
  }

  /** Whether issuance is served at {@code t}. */
  public boolean isOpen(Instant t) {
    if (!enabled) {
      return true;
    }
    ZonedDateTime z = t.atZone(zone);
    LocalTime time = z.toLocalTime();
    return days.contains(z.getDayOfWeek())
        && !holidays.contains(z.toLocalDate())
        && !time.isBefore(open)
        && time.isBefore(close);
  }

  /** The next opening at or after {@code t} (t itself when open); looks a year ahead at most. */
  public Instant nextOpening(Instant t) {
    if (isOpen(t)) {
      return t;
    }
    LocalDate day = t.atZone(zone).toLocalDate();
    for (int i = 0; i <= 366; i++, day = day.plusDays(1)) {
      Instant opening = day.atTime(open).atZone(zone).toInstant();
      if (!opening.isBefore(t) && isOpen(opening)) {
        return opening;
      }
    }
    return t.plusSeconds(86_400L * 366);
  }
}
