// Every answer body the simulator sends: the success bodies shaped like the reference's examples and the
// documented error bodies, serialized once. URLs point at `.invalid` hosts so nothing ever resolves them.
import type { CommunityRecord, GroupRecord } from './state.js';

export const JSON_TYPE = 'application/json; charset=utf-8';
export const HTML_TYPE = 'text/html; charset=utf-8';

/** A complete answer: status, body bytes and content type. */
export interface Answer {
  status: number;
  body: Buffer;
  contentType: string;
}

const json = (status: number, value: unknown): Answer => ({
  status,
  body: Buffer.from(JSON.stringify(value)),
  contentType: JSON_TYPE,
});
/** The page nginx sends for an error status it generates itself. */
const nginxPage = (status: number, reason: string): Answer => ({
  status,
  body: Buffer.from(
    `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
  ),
  contentType: HTML_TYPE,
});
// The real API puts string codes in error bodies (and a number in success bodies); keep that quirk.
const error = (status: number, code: string, message: string): Answer => json(status, { code, message, data: {} });

export const ANSWERS = {
  /** The reference documents a bare `{}` for every 400. */
  badRequest: json(400, {}),
  unauthorized: error(401, '401', 'Unauthorized'),
  notFound: error(404, '404', 'Not Found'),
  methodNotAllowed: error(405, '405', 'Method Not Allowed'),
  payloadTooLarge: error(413, '413', 'Payload Too Large'),
  tooManyRequests: error(429, '429', 'Too Many Requests'),
  categoryMissing: error(404, '5220', 'XXXX-[community categories does not exists.]'),
  invalidUse: error(412, '5166', 'XXXX-[Invalid Use of API]'),
  handleExists: error(500, '5216', 'XXXX-[community handle already exists.]'),
  videoMissing: error(500, '5026', 'Could not find the video.'),
  // Not in the reference (it documents no answer for a held chat_id): a simulator choice, stated in
  // src/simulator/README.md, so the runner has one well-known "this id exists" answer to test against.
  groupExists: error(409, '5230', 'Group already exists.'),
  unexpected: error(500, '9999', 'XXXX-[unexpected error]'),
  // The Authentication API's errors, as its reference words them.
  authInvalid: error(400, '1099', 'An unexpected error occurred processing the request'),
  brandMissing: error(404, '5235', 'Brand not exists.'),
  authInvalidUse: error(412, '5166', 'Invalid Use of API'),
  // The reference shows no success body (the token is in a header); this one is the simulator's.
  authenticated: json(200, { code: 200, message: 'Token generated successfully.', data: {} }),
  unavailable: error(503, '503', 'Service Unavailable'),
  badGateway: nginxPage(502, 'Bad Gateway'),
  gatewayTimeout: nginxPage(504, 'Gateway Time-out'),
  internalHtml: nginxPage(500, 'Internal Server Error'),
  wrongShape: json(200, { code: 200, message: 'ok', data: {} }),
  // The header claims JSON: a client must trust the bytes it parses, not the label.
  garbage: { status: 200, body: Buffer.from('<html>oops</html>'), contentType: JSON_TYPE },
  empty: { status: 200, body: Buffer.alloc(0), contentType: JSON_TYPE },
  redirect: { status: 307, body: Buffer.alloc(0), contentType: JSON_TYPE },
  internalError: error(500, 'SIM', 'simulator internal error'),
} as const satisfies Record<string, Answer>;

const APP = 'https://app.simulator.invalid';
const MEDIA = 'https://media.simulator.invalid/uploads';
const COLOR = '#A4E6DA';
const TEXT_COLOR = '#49CDB5';

/** The member every simulated community and group is led by (the API's brand system user). */
const LEADER = {
  member_id: '00000000-0000-4000-8000-000000000001',
  name: 'Simulator Leader',
  bio: 'Brand system user of the Genuin simulator',
  nickname: 'sim_leader',
  phone: '10000000000',
  is_brand_system_user: true,
  is_avatar: false,
  brand: { brand_id: 1, brand_slug: 'simulator' },
  profile_image: `${MEDIA}/profile_images/sim_leader.png`,
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'group';

function communityDp(c: CommunityRecord): string {
  return `${MEDIA}/profile_images/community/${str(c.body.dp) ?? `${c.community_id}.png`}`;
}

/**
 * An id that `answerBytes` writes as a JSON number (a server whose ids are integers): JSON.stringify
 * cannot write digits beyond 2^53 as a number, so the id travels as marked text until then.
 */
const NUMBER_MARK = '\u0001number:';
const MARKED = /"\\u0001number:([^"]*)"/g;
const INTEGER = /^-?[1-9][0-9]*$/;

/** How the ids the simulator made appear in an answer: text (UUIDs), or numbers (`numericIds`). */
export const idOut = (id: string, numeric: boolean): string => (numeric ? NUMBER_MARK + id : id);

/** A success body's bytes: marked ids become JSON numbers (kept as text if they are not integers). */
export function answerBytes(response: unknown): Buffer {
  const text = JSON.stringify(response);
  return Buffer.from(text.includes('u0001number:') ? text.replace(MARKED, (_, id: string) => (INTEGER.test(id) ? id : `"${id}"`)) : text);
}

export function communityCreated(c: CommunityRecord, numeric = false): unknown {
  return {
    code: 200,
    message: 'XXXX-[Community has been created successfully.]',
    data: {
      community_id: idOut(c.community_id, numeric),
      share_url: `${APP}/community/${encodeURIComponent(c.handle)}`,
      dp: communityDp(c),
      banner: `${MEDIA}/community/banner/${str(c.body.banner) ?? `${c.community_id}.png`}`,
      color_code: COLOR,
      text_color_code: TEXT_COLOR,
      leader: LEADER,
    },
  };
}

/**
 * @param newId makes ids for parts the request did not name (members by phone, the first message).
 * @param numeric the ids the simulator made (not a chat_id the client sent) are numbers.
 */
export function groupCreated(g: GroupRecord, c: CommunityRecord, newId: () => string, numeric = false): unknown {
  const group = obj(g.body.group);
  const name = str(group.name) ?? 'Untitled group';
  const dp = `${MEDIA}/profile_images/group/${str(group.dp) ?? `${g.group_id}.png`}`;
  const now = String(Date.parse(g.created_at));
  const member = (id: string, username: string | null) => ({
    member_id: id,
    name: null,
    username,
    is_avatar: true,
    is_brand_system_user: false,
    status: 1,
    role: 2,
    profile_image: 'alien',
    profile_image_s: '',
    profile_image_m: '',
    profile_image_l: '',
  });
  const members = [
    { ...member(LEADER.member_id, LEADER.nickname), is_brand_system_user: true, role: 1 },
    ...(Array.isArray(group.members) ? group.members : []).map((m) => member(str(obj(m).user_id) ?? newId(), null)),
  ];
  const video = g.body.recorded_video === undefined ? undefined : obj(g.body.recorded_video);
  const shareUrl = `${APP}/group/${slug(name)}-${g.group_id.slice(0, 4)}?community=${c.community_id}`;
  return {
    code: 200,
    message: 'Group has been created successfully.',
    data: {
      chat_id: g.chat_id === g.body.chat_id ? g.chat_id : idOut(g.chat_id, numeric),
      type: g.body.type,
      settings: { discoverable: true, ...obj(g.body.settings) },
      share_url: shareUrl,
      is_welcome_loop: false,
      group: {
        group_id: idOut(g.group_id, numeric),
        group_name: name,
        group_description: str(group.description) ?? '',
        color_code: COLOR,
        text_color_code: TEXT_COLOR,
        dp,
        dp_s: dp,
        dp_m: dp,
        dp_l: dp,
        no_of_members: members.length,
        members,
      },
      latest_message_at: now,
      unread_message_count: 0,
      latest_messages: video
        ? [
            {
              owner: { member_id: LEADER.member_id, username: LEADER.nickname },
              media_url: `${MEDIA}/temp_video/${str(video.video_name) ?? 'video.mp4'}`,
              thumbnail_url: `${MEDIA}/thumbnails/${str(video.thumbnail_name) ?? 'thumb.jpg'}`,
              thumbnail_url_s: '',
              thumbnail_url_l: '',
              media_url_m3u8: null,
              message_id: str(video.message_id) ?? newId(),
              message_at: now,
              share_url: `${APP}/video/${g.group_id.slice(0, 8)}?community=${c.community_id}&group=${g.group_id}`,
            },
          ]
        : [],
      brand_id: null,
      community: {
        community_id: idOut(c.community_id, numeric),
        handle: c.handle,
        name: str(c.body.name) ?? c.handle,
        description: str(c.body.description) ?? '',
        color_code: COLOR,
        text_color_code: TEXT_COLOR,
        dp: communityDp(c),
        dp_s: communityDp(c),
        dp_m: communityDp(c),
        dp_l: communityDp(c),
        share_url: `${APP}/community/${encodeURIComponent(c.handle)}`,
      },
    },
  };
}
