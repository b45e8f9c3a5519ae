/** Limits raised so that a month of one office's traffic from one test client is not throttled. */
export const SCENARIO_ENV = {
  SUBMISSIONS_PER_HOUR: '100000',
  SUBMISSIONS_PER_DAY: '100000',
  TRACKING_PER_QUARTER_HOUR: '1000000',
  REPLIES_PER_HOUR: '100000',
  TRACKING_MISSES_PER_CLIENT: '1000',
  TRACKING_MISSES_GLOBAL: '100000',
  PUBLIC_URL: 'https://jubao.example.gov.cn'
}
