package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceCalendarTest {

  private final ServiceCalendar calendar =
      new ServiceCalendar(
          true,
          ZoneId.of("Asia/Tokyo"),
          LocalTime.of(8, 30),
          LocalTime.of(18, 15),
          EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
          List.of(LocalDate.parse("2026-11-23")),
          ServiceCalendar.Outside.REFUSE);

  @Test
  void weekdayHoursWithoutHolidays() {
    assertThat(calendar.isOpen(Instant.parse("2026-11-20T00:30:00Z"))).as("Fri 09:30 JST").isTrue();
    assertThat(calendar.isOpen(Instant.parse("2026-11-20T09:15:00Z")))
        .as("Fri 18:15 JST")
        .isFalse();
    assertThat(calendar.isOpen(Instant.parse("2026-11-21T01:00:00Z"))).as("Sat").isFalse();
    assertThat(calendar.isOpen(Instant.parse("2026-11-23T01:00:00Z")))
        .as("holiday Monday")
        .isFalse();
    assertThat(ServiceCalendar.alwaysOpen().isOpen(Instant.parse("2026-11-21T01:00:00Z"))).isTrue();
  }

  @Test
  void nextOpeningSkipsTheWeekendAndHolidays() {
    assertThat(calendar.nextOpening(Instant.parse("2026-11-20T10:00:00Z")))
        .as("Fri 19:00 JST -> Tue 08:30 JST (Mon is a holiday)")
        .isEqualTo(Instant.parse("2026-11-23T23:30:00Z"));
    assertThat(calendar.nextOpening(Instant.parse("2026-11-19T22:00:00Z")))
        .as("Fri 07:00 -> 08:30")
        .isEqualTo(Instant.parse("2026-11-19T23:30:00Z"));
    Instant open = Instant.parse("2026-11-20T00:30:00Z");
    assertThat(calendar.nextOpening(open)).isEqualTo(open);
  }
}
