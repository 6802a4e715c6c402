/**
 * Where a phone number's owner probably lives, for quiet hours. Regulators presume location
 * from the area code (US/CA) or the country, so this is deliberately a small data table rather
 * than a geolocation service. Unknown codes fall back to the country's zone, then to the flow's
 * default zone. Multi-zone countries map to their most populous zone.
 */

/** NANP area codes by zone: each string lists the codes separated by spaces. */
const nanpAreaCodesByZone: Record<string, string> = {
  'America/New_York':
    '201 202 203 207 212 215 216 220 223 229 234 239 240 248 252 267 272 276 283 301 302 304 305 313 315 321 326 330 332 336 339 347 351 352 380 386 401 404 407 410 412 413 419 423 434 440 443 445 470 475 478 484 502 508 513 516 517 518 540 551 561 567 570 571 582 585 586 603 606 607 609 610 614 616 617 631 640 646 667 678 680 681 689 703 704 706 716 717 718 724 727 732 734 740 743 754 757 762 770 772 774 781 786 802 803 804 810 813 814 826 828 835 838 839 843 845 848 854 856 857 859 860 862 863 864 865 878 904 908 910 912 914 917 919 929 934 937 941 943 947 948 954 959 973 978 980 984 989',
  'America/Indiana/Indianapolis': '219 260 317 463 574 765 812 930',
  'America/Chicago':
    '205 210 214 217 218 224 225 228 251 254 256 262 270 274 281 309 312 314 316 318 319 320 325 331 334 337 346 361 364 402 405 409 414 417 430 432 447 464 469 479 501 504 507 512 515 531 534 539 557 563 572 573 580 601 605 608 612 615 618 620 629 630 636 641 651 659 660 662 682 701 708 712 713 715 726 730 731 737 763 769 773 779 785 806 815 816 817 830 832 847 850 870 872 901 903 913 918 920 931 938 940 945 952 956 972 975 979 985',
  'America/Denver': '208 303 307 385 406 435 505 575 719 720 801 915 970 983 986',
  'America/Phoenix': '480 520 602 623 928',
  'America/Los_Angeles':
    '206 209 213 253 279 310 323 341 350 360 369 408 415 424 425 442 458 503 509 510 530 541 559 562 564 619 626 628 650 657 661 669 702 707 714 725 747 760 775 805 818 820 831 840 858 909 916 925 949 951 971',
  'America/Anchorage': '907',
  'Pacific/Honolulu': '808',
  'America/Puerto_Rico': '787 939',
  'America/Toronto':
    '226 249 263 289 343 354 365 367 382 416 418 437 438 450 468 514 519 548 579 581 613 647 683 705 742 753 807 819 873 905',
  'America/Vancouver': '236 250 257 604 672 778',
  'America/Edmonton': '368 403 587 780 825',
  'America/Winnipeg': '204 431 584',
  'America/Regina': '306 474 639',
  'America/Halifax': '428 506 782 902',
  'America/St_Johns': '709',
};

/** Country (ISO 3166 alpha-2) → zone, for countries outside NANP or codes the table lacks. */
export const countryTimeZones: Readonly<Record<string, string>> = {
  US: 'America/New_York',
  CA: 'America/Toronto',
  PR: 'America/Puerto_Rico',
  MX: 'America/Mexico_City',
  BR: 'America/Sao_Paulo',
  AR: 'America/Argentina/Buenos_Aires',
  CL: 'America/Santiago',
  CO: 'America/Bogota',
  PE: 'America/Lima',
  GB: 'Europe/London',
  IE: 'Europe/Dublin',
  FR: 'Europe/Paris',
  DE: 'Europe/Berlin',
  ES: 'Europe/Madrid',
  IT: 'Europe/Rome',
  NL: 'Europe/Amsterdam',
  BE: 'Europe/Brussels',
  CH: 'Europe/Zurich',
  AT: 'Europe/Vienna',
  SE: 'Europe/Stockholm',
  NO: 'Europe/Oslo',
  DK: 'Europe/Copenhagen',
  FI: 'Europe/Helsinki',
  PL: 'Europe/Warsaw',
  PT: 'Europe/Lisbon',
  GR: 'Europe/Athens',
  CZ: 'Europe/Prague',
  RO: 'Europe/Bucharest',
  TR: 'Europe/Istanbul',
  UA: 'Europe/Kyiv',
  IL: 'Asia/Jerusalem',
  AE: 'Asia/Dubai',
  SA: 'Asia/Riyadh',
  IN: 'Asia/Kolkata',
  PK: 'Asia/Karachi',
  SG: 'Asia/Singapore',
  MY: 'Asia/Kuala_Lumpur',
  PH: 'Asia/Manila',
  ID: 'Asia/Jakarta',
  TH: 'Asia/Bangkok',
  VN: 'Asia/Ho_Chi_Minh',
  CN: 'Asia/Shanghai',
  HK: 'Asia/Hong_Kong',
  TW: 'Asia/Taipei',
  JP: 'Asia/Tokyo',
  KR: 'Asia/Seoul',
  AU: 'Australia/Sydney',
  NZ: 'Pacific/Auckland',
  ZA: 'Africa/Johannesburg',
  NG: 'Africa/Lagos',
  KE: 'Africa/Nairobi',
  EG: 'Africa/Cairo',
};

const nanpZoneByAreaCode: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  for (const [zone, codes] of Object.entries(nanpAreaCodesByZone)) {
    for (const code of codes.split(' ')) {
      if (/^\d{3}$/.test(code) && !map.has(code)) map.set(code, zone);
    }
  }
  return map;
})();

export function zoneForAreaCode(areaCode: string): string | undefined {
  return nanpZoneByAreaCode.get(areaCode);
}

export const nanpAreaCodes = (): string[] => [...nanpZoneByAreaCode.keys()];

export function zoneForCountry(country: string): string | undefined {
  return countryTimeZones[country.toUpperCase()];
}
