export type ApiMessage = { code: number; message: string };

export type ResultInfo = {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages: number;
};

export type Envelope = {
  success: boolean;
  errors: ApiMessage[];
  messages: ApiMessage[];
  result: unknown;
  result_info?: ResultInfo;
};

export function successEnvelope(
  result: unknown,
  extra: { resultInfo?: ResultInfo; messages?: ApiMessage[] } = {},
) {
  const envelope: Envelope = { success: true, errors: [], messages: extra.messages ?? [], result };
  if (extra.resultInfo) envelope.result_info = extra.resultInfo;
  return envelope;
}

export function failureEnvelope(errors: ApiMessage[]): Envelope {
  return { success: false, errors, messages: [], result: null };
}
