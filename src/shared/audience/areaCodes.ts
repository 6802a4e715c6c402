/**
 * US states presumed from a number's area code. Regulators presume a recipient's location from
 * it, and some states have stricter rules for marketing texts (Florida and Oklahoma: 8:00–20:00,
 * at most three messages in 24 hours on one subject). The table holds the states segments and
 * the compliance checks name; a state it lacks is refused by name rather than matched by guess.
 */
const areaCodesByState: Readonly<Record<string, string>> = {
  FL: '239 305 321 324 352 386 407 448 561 645 656 689 727 728 754 772 786 813 850 863 904 941 954',
  OK: '405 539 572 580 918',
  NY: '212 315 332 347 363 516 518 585 607 631 646 680 716 718 838 845 914 917 929 934',
  CA: '209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 747 760 805 818 820 831 840 858 909 916 925 949 951',
  TX: '210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 915 936 940 945 956 972 979',
};

/** States whose rules for marketing texts are stricter than the federal ones. */
export const stricterStates = ['FL', 'OK'] as const;

export const knownStates: readonly string[] = Object.keys(areaCodesByState);

export function areaCodesOf(state: string): readonly string[] {
  const codes = areaCodesByState[state.toUpperCase()];
  return codes ? codes.split(' ') : [];
}

const stateByCode = new Map<string, string>(
  Object.entries(areaCodesByState).flatMap(([state, codes]) => codes.split(' ').map((code) => [code, state] as const)),
);

/** The NANP area code of an E.164 number (+1 NPA …), or null for numbers outside NANP. */
export function areaCodeOf(phone: string): string | null {
  return /^\+1\d{10}$/.test(phone) ? phone.slice(2, 5) : null;
}

export function stateOfPhone(phone: string): string | null {
  const code = areaCodeOf(phone);
  return code ? (stateByCode.get(code) ?? null) : null;
}
