"""The providers' documented status responses.

Verbatim where the doc pages print JSON. Where a page only names a state
(BytesPike's bodies, Vidgo's not_started/running/video examples), the example
is rebuilt from the page's field table and facts.md, and says so.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def body(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def utc(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)


# --- Xenodia (xenodia.txt) ---------------------------------------------------

XENODIA_PROCESSING = {
    "task_id": "task_123",
    "object": "task",
    "request_id": "req_abc",
    "model": "veo3_fast",
    "type": "video",
    "state": "generating",
    "request": {"prompt": "A cinematic close-up of a developer dashboard.", "resolution": "720p"},
    "result": {},
    "error": {},
    "progress": 42,
    "poll_url": "/v1/tasks/task_123",
    "created_at": 1760000000,
    "updated_at": 1760000030,
}

XENODIA_SUCCESS = {
    "task_id": "task_123",
    "object": "task",
    "request_id": "req_abc",
    "model": "nano-banana-pro",
    "type": "image",
    "state": "success",
    "request": {
        "prompt": "A clean product render",
        "n": 1,
        "response_format": "url",
        "aspect_ratio": "16:9",
        "resolution": "2K",
    },
    "result": {"created": 1760000100, "data": [{"url": "https://cdn.example.com/generated.png"}]},
    "error": {},
    "progress": 100,
    "poll_url": "/v1/tasks/task_123",
    "billing": {
        "status": "committed",
        "reserve_amount_micro_usdc": 100000,
        "actual_amount_micro_usdc": 100000,
        "released_amount_micro_usdc": 0,
    },
    "created_at": 1760000000,
    "updated_at": 1760000100,
    "completed_at": 1760000100,
}

XENODIA_FAILURE = {
    "task_id": "task_123",
    "object": "task",
    "request_id": "req_abc",
    "model": "veo3_fast",
    "type": "video",
    "state": "fail",
    "request": {"prompt": "A cinematic close-up of a developer dashboard.", "resolution": "720p"},
    "result": {},
    "error": {"message": "upstream task failed"},
    "progress": 100,
    "poll_url": "/v1/tasks/task_123",
    "created_at": 1760000000,
    "updated_at": 1760000100,
    "completed_at": 1760000100,
}

# --- Apixo (apixo.txt) -------------------------------------------------------

APIXO_PROCESSING = {
    "code": 200,
    "message": "success",
    "data": {"taskId": "task_abc123xyz789", "state": "processing", "createTime": 1704067200000},
}

APIXO_SUCCESS = {
    "code": 200,
    "message": "success",
    "data": {
        "taskId": "task_abc123xyz789",
        "state": "success",
        "resultJson": '{"resultUrls":["https://cdn.apixo.ai/output/abc123.jpg"]}',
        "costTime": 12500,
        "createTime": 1704067200000,
        "completeTime": 1704067212500,
    },
}

APIXO_FAILED = {
    "code": 200,
    "message": "success",
    "data": {
        "taskId": "task_abc123xyz789",
        "state": "failed",
        "failCode": "CONTENT_VIOLATION",
        "failMsg": "Content violates usage policy",
        "createTime": 1704067200000,
        "completeTime": 1704067205000,
    },
}

# --- BytesPike (bytespike.txt prints no JSON: rebuilt from its field table) ---

BYTESPIKE_RUNNING = {
    "task_id": "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9",
    "out_task_id": "my-job-42",
    "status": "running",
    "estimated_credits": 1.50,
    "estimated_seconds": 35,
}

BYTESPIKE_COMPLETED = {
    "task_id": "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9",
    "out_task_id": "my-job-42",
    "status": "completed",
    "credits_used": 1.47,
    "output": [
        {
            "type": "video",
            "url": "https://cdn.bytespike.ai/multimodal/seedance/2025-01-01/01HQX9F2P6Y8VEX3CRZ8GXJVD9.mp4",
            "duration_seconds": 8,
        }
    ],
}

BYTESPIKE_FAILED = {
    "task_id": "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9",
    "status": "failed",
    "error_code": "content_policy",
    "error_message": "The prompt was rejected by the safety filter",
}

BYTESPIKE_CANCELLED = {  # the cancel page: keeps the estimates, has no error_code
    "task_id": "task_01HQX9F2P6Y8VEX3CRZ8GXJVD9",
    "status": "cancelled",
    "estimated_credits": 1.50,
    "estimated_seconds": 35,
}

# --- Vidgo (facts.md; not_started, running and video rebuilt) -----------------

VIDGO_FINISHED_IMAGE = {
    "code": 200,
    "data": {
        "task_id": "task-unified-1757165031-uyujaw3d",
        "status": "finished",
        "files": [
            {
                "file_url": "https://storage.vidgo.ai/generated/image-abc123.jpg",
                "file_type": "image",
            }
        ],
        "created_time": "2025-11-12T10:30:00",
        "progress": 100,
        "error_message": None,
    },
}

VIDGO_FAILED = {
    "code": 200,
    "data": {
        "task_id": "task-unified-1757165031-uyujaw3d",
        "status": "failed",
        "files": [],
        "created_time": "2025-11-12T10:30:00",
        "progress": 0,
        "error_message": "Content violates our usage policy",
    },
}

VIDGO_NOT_STARTED = {
    "code": 200,
    "data": {
        "task_id": "KC9IIO8MLOAN18JX",
        "status": "not_started",
        "files": [],
        "created_time": "2025-11-12T10:30:00",
        "progress": 0,
        "error_message": None,
    },
}

VIDGO_RUNNING = {
    "code": 200,
    "data": {
        "task_id": "task-unified-1757165031-uyujaw3d",
        "status": "running",
        "files": [],
        "created_time": "2025-11-12T10:30:00",
        "progress": 45,
        "error_message": None,
    },
}

VIDGO_FINISHED_VIDEO = {
    "code": 200,
    "data": {
        "task_id": "task-unified-1757165031-uyujaw3d",
        "status": "finished",
        "files": [
            {
                "file_url": "https://storage.vidgo.ai/generated/video-abc123.mp4",
                "file_type": "video",
            }
        ],
        "created_time": "2025-11-12T10:30:00",
        "progress": 100,
        "error_message": None,
    },
}

# --- reAPI (reapi.txt) -------------------------------------------------------

REAPI_IMAGE = {
    "id": "task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e",
    "model": "gpt-image-2",
    "status": "completed",
    "created_at": 1735000000,
    "output": {
        "image_urls": [
            "https://cdn.reapi.ai/media/tasks/018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e/0.png",
            "https://cdn.reapi.ai/media/tasks/018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e/1.png",
        ]
    },
    "error": None,
}

REAPI_VIDEO = {
    "id": "task_01k9s419324drezfbwnsvxyr6h",
    "model": "doubao-seedance-2.0",
    "status": "completed",
    "created_at": 1762853430,
    "output": {"video_urls": ["https://cdn.reapi.ai/media/tasks/01k9s419324drezfbwnsvxyr6h/0.mp4"]},
    "error": None,
}

REAPI_FAILED = {
    "id": "task_018f5a3a1b6e7d9f8c2b4d6e8f0a2c4e",
    "status": "failed",
    "output": None,
    "error": {"code": 80006, "message": "Request violates content policy"},
}

REAPI_PROCESSING = {  # the submit reply's shape, which is also the in-flight status
    "id": "task_01k9s419324drezfbwnsvxyr6h",
    "model": "doubao-seedance-2.0",
    "status": "processing",
    "created_at": 1762853430,
}

DOCUMENTED: dict[str, list[dict[str, Any]]] = {
    "xenodia": [XENODIA_PROCESSING, XENODIA_SUCCESS, XENODIA_FAILURE],
    "apixo": [APIXO_PROCESSING, APIXO_SUCCESS, APIXO_FAILED],
    "bytespike": [BYTESPIKE_RUNNING, BYTESPIKE_COMPLETED, BYTESPIKE_FAILED, BYTESPIKE_CANCELLED],
    "vidgo": [
        VIDGO_NOT_STARTED,
        VIDGO_RUNNING,
        VIDGO_FINISHED_IMAGE,
        VIDGO_FINISHED_VIDEO,
        VIDGO_FAILED,
    ],
    "reapi": [REAPI_PROCESSING, REAPI_IMAGE, REAPI_VIDEO, REAPI_FAILED],
}
