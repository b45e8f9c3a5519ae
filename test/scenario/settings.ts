/**
 * The per-client limits stay as shipped, since each reporter writes from an address of their
 * own; only tracking look-ups per address are raised, because the rate limiter's windows run on
 * the machine's clock while the scenario compresses weeks of a reporter's look-ups into minutes.
 */
export const SCENARIO_ENV = {
  TRACKING_PER_QUARTER_HOUR: '1000000',
  PUBLIC_URL: 'https://jubao.example.gov.cn',
  INBOUND_ADDRESSES: 'jubao@example.gov.cn'
}
