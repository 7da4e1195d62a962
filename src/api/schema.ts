// The two request bodies and their success responses, written from ../shared/reference/.
// Every TypeScript type of a body or response in the project is inferred from here. Each schema
// is built by its first use (lazy): building them all took 18 ms of every start, a plan of an
// empty manifest included (issue 22). The library (src/index.ts) exports them built.
import * as z from 'zod';
import { lazy } from '../lazy.js';

const int = () => z.number().int();

/** `{action_id, access_type_id}`: the API's permission pairs, used by both endpoints. */
export const actionSchema = lazy(() => z.strictObject({
  action_id: int(),
  access_type_id: int(),
}));

export const handleSchema = lazy(() => z.string().min(1, 'must not be empty').regex(/^\S+$/, 'must not contain whitespace'));

/** POST /api/thirdparty/community/create. Mandatory: handle, name, type, actions. */
export const communityBodySchema = lazy(() => z.strictObject({
  handle: handleSchema(),
  name: z.string().min(1, 'must not be empty'),
  // The reference lists `type` and `actions` as mandatory without an example; they are
  // typed as the group endpoint types them (an integer and a list of action pairs).
  type: int(),
  actions: z.array(actionSchema()),
  description: z.string().optional(),
  tags: z.string().optional(),
  dp: z.string().optional(),
  banner: z.string().optional(),
  categories: z
    .strictObject({
      existing: z.array(int()).optional(),
      new: z.array(z.string()).optional(),
    })
    .optional(),
  is_ai_generated: z.boolean().optional(),
  is_ai_generated_dp: z.boolean().optional(),
  is_ai_generated_banner: z.boolean().optional(),
  users: z.array(z.strictObject({ user_id: z.string().min(1) })).optional(),
}));
export type CommunityBody = z.infer<ReturnType<typeof communityBodySchema>>;

export const groupMemberSchema = lazy(() => z.union([
  z.strictObject({ phone_number: z.string().min(1) }),
  z.strictObject({ user_id: z.string().min(1) }),
]));

export const recordedVideoSchema = lazy(() => z.strictObject({
  message_id: z.string().optional(),
  video_name: z.string().optional(),
  thumbnail_name: z.string().optional(),
  video_path: z.string().optional(),
  thumbnail_path: z.string().optional(),
  is_ai_generated_video: z.boolean().optional(),
  is_ai_generated_thumbnail: z.boolean().optional(),
  link: z.string().optional(),
  size: z.string().optional(),
  duration: z.number().nonnegative().optional(),
  aspect_ratio: z.string().optional(),
  resolution: z.string().optional(),
  description_text: z.string().optional(),
  // A JSON document carried as a string, exactly as the reference shows it.
  description_data: z.string().optional(),
  meta_data: z.strictObject({ topic: z.string().optional() }).optional(),
}));

/** The group body minus `community_id`, which the runner fills in from the parent. */
export const groupFieldsSchema = lazy(() => z.strictObject({
  type: int(),
  chat_id: z.string().min(1).optional(),
  recorded_video: recordedVideoSchema().optional(),
  actions: z.array(actionSchema()).optional(),
  group: z
    .strictObject({
      name: z.string().min(1, 'must not be empty').optional(),
      description: z.string().optional(),
      tags: z.string().optional(),
      dp: z.string().optional(),
      topics: z.array(int()).optional(),
      members: z.array(groupMemberSchema()).optional(),
    })
    .optional(),
  settings: z.strictObject({ discoverable: z.boolean().optional() }).optional(),
  template_id: int().optional(),
  is_ai_generated: z.boolean().optional(),
}));
export type GroupFields = z.infer<ReturnType<typeof groupFieldsSchema>>;

/** POST /api/thirdparty/group/create. Mandatory: type, community_id. */
export const groupBodySchema = lazy(() => groupFieldsSchema().extend({
  community_id: z.string().min(1),
}));
export type GroupBody = z.infer<ReturnType<typeof groupBodySchema>>;

/**
 * An id in an answer: text, or a number (a server whose ids are integers), kept as text either
 * way: a number as JavaScript writes it, one beyond 2^53 as the digits sent (the client parses
 * those as text: answer-json.ts). Nothing else counts as an id (an empty string, null, an object).
 */
export const answerIdSchema = lazy(() => z.union([z.string().min(1), z.number().transform(String)]));

// Success responses: only what the runner relies on is required, and only that is read (other
// keys are allowed and left out of the result: copying a group's whole answer cost a tenth of
// a run's CPU).
export const communityCreatedSchema = lazy(() => z.object({
  data: z.object({
    community_id: answerIdSchema(),
    share_url: z.string().optional(),
  }),
}));
export type CommunityCreated = z.infer<ReturnType<typeof communityCreatedSchema>>;

export const groupCreatedSchema = lazy(() => z.object({
  data: z.object({
    chat_id: answerIdSchema(),
    share_url: z.string().optional(),
    group: z.object({ group_id: answerIdSchema().optional() }).optional(),
  }),
}));
export type GroupCreated = z.infer<ReturnType<typeof groupCreatedSchema>>;

/** Error bodies: `{code, message, data}`, or `{}` for a 400. */
export const errorBodySchema = lazy(() => z.looseObject({
  code: z.union([z.string(), z.number()]).optional(),
  message: z.string().optional(),
}));

export const ENDPOINTS = {
  community: '/api/thirdparty/community/create',
  group: '/api/thirdparty/group/create',
} as const;

export type ItemKind = keyof typeof ENDPOINTS;
